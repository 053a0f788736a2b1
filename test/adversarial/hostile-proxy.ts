// A hostile Mesh Service for tests: an HTTP proxy in front of the real service process that can alter
// what the service answers. It loads the service's own keys from its data dir, so every altered
// answer carries a valid response MAC (protocol.md §4.2): the client cannot tell the proxy from a
// compromised service, and only the end-to-end checks of src/mesh (tree digests, signatures,
// rollback memory, pinned account profile) stand between it and the user's data.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../../src/mesh/bytes.ts';
import { sha512 } from '../../src/mesh/dare/primitives.ts';
import { treeDigest } from '../../src/mesh/dare/merkle.ts';
import { createEnvelope } from '../../src/mesh/dare/envelope.ts';
import {
  formatAuthHeader, formatResponseHeader, HEADER_AUTH, HEADER_AUTH_RESPONSE, HEADER_CREDENTIAL, macKey, parseAuthHeader, requestMac, responseMac,
} from '../../src/mesh/protocol/mac.ts';
import { readKeyData, readProfile, toEnvelopeJson } from '../../src/mesh/protocol/objects.ts';
import { connectionWitness, ENVELOPE_ID_TYPE, makeId, RESPONSE_ID_TYPE } from '../../src/mesh/protocol/fingerprints.ts';
import type { EnvelopeJson } from '../../src/mesh/protocol/messages.ts';
import { loadIdentity, type ServiceIdentity } from '../../src/service/identity.ts';

/**
 * What the proxy does to the next answers. `forge`: also recompute the payload and tree digests and
 * the frame indexes of the altered run, and drop the store digest from Status answers, as a service
 * that knows the (public) digest rules would; only signatures and what the device remembers remain.
 */
export type Attack =
  | { kind: 'flip'; forge?: boolean } // one bit of one frame's ciphertext
  | { kind: 'reorder'; forge?: boolean } // two frames swapped
  | { kind: 'drop'; forge?: boolean; which?: 'first' | 'middle' } // one frame left out
  | { kind: 'truncate' } // the run cut in half, announced as complete
  | { kind: 'rollback' } // Status and Download answers recorded earlier served again
  | { kind: 'stale-download' } // only the Download answer recorded earlier served again
  | { kind: 'replay' } // an earlier frame appended again as a new one (renumbered, digests recomputed)
  | { kind: 'inject'; build: (index: number) => Promise<EnvelopeJson> } // a frame made elsewhere appended
  | { kind: 'wrong-profile'; profile: EnvelopeJson } // Connect answered with another account's profile
  | { kind: 'delay'; ms: number; tx?: string } // answer held back (the service did the work)
  | { kind: 'strip-mac' }; // an on-path tamperer without the service key: answers lose their MAC

export type AttackKind = Attack['kind'];

export interface HostileProxy {
  /** The URL clients use instead of the service's (same path). */
  url: string;
  /** The current attack (undefined: pass everything through, recording answers). */
  attack: Attack | undefined;
  /** Store whose Download answers are attacked (default: any store with frames). */
  store: string | undefined;
  /** How many answers the current attack changed (reset by `set`). */
  applied: number;
  /** Sets the attack and resets `applied`. */
  set(attack: Attack | undefined, store?: string): void;
  /** Called with each transaction name before it is forwarded (fault injection). */
  onRequest?: (tx: string) => void;
  /** Transactions seen, in order. */
  seen: string[];
  close(): Promise<void>;
}

interface Recorded {
  status?: Record<string, unknown>;
  download?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const transactionOf = (body: Uint8Array): string | undefined => {
  try {
    const v = JSON.parse(fromUtf8(body)) as Json;
    return Object.keys(v)[0];
  } catch {
    return undefined;
  }
};

/** The client's authentication public key, read from its credential header (no signature check). */
function clientAuthKey(credHeader: string): Uint8Array | undefined {
  try {
    const env = JSON.parse(fromUtf8(fromBase64Url(credHeader))) as EnvelopeJson;
    const body = JSON.parse(fromUtf8(fromBase64Url(env[1]))) as Json;
    const fields = Object.values(body)[0] as Json;
    const key = fields.Authentication ?? fields.CommonAuthentication;
    return readKeyData(key).public;
  } catch {
    return undefined;
  }
}

const pdOf = (env: EnvelopeJson): Uint8Array => sha512(fromBase64Url(env[1]));
const indexOf = (env: EnvelopeJson): number => Number((env[0].SequenceInfo as { Index?: number } | undefined)?.Index);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export async function startHostileProxy(upstreamUrl: string, dataDir: string): Promise<HostileProxy> {
  const identity: ServiceIdentity = await loadIdentity(dataDir);
  const upstream = new URL(upstreamUrl);
  /** Tree digests the service has shown, per store and index (to forge consistent ones). */
  const trees = new Map<string, Map<number, Uint8Array>>();
  /** First Status/Download answers with frames, per store (rollback material). */
  const recorded = new Map<string, Recorded>();
  /** Connect responses we rewrote: fake ResponseID → the real one (so Complete still works). */
  const responseIds = new Map<string, string>();
  const served = new Map<string, number>();

  const treesOf = (store: string) => {
    let m = trees.get(store);
    if (!m) trees.set(store, (m = new Map()));
    return m;
  };

  const proxy: HostileProxy = {
    url: '',
    attack: undefined,
    store: undefined,
    applied: 0,
    seen: [],
    set(attack, store) {
      proxy.attack = attack;
      proxy.store = store;
      proxy.applied = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };

  /** Re-numbers a run from `first` on and recomputes its payload and tree digests. */
  function reseal(store: string, envs: EnvelopeJson[], first: number): void {
    const known = treesOf(store);
    const local = new Map<number, Uint8Array>();
    envs.forEach((env, k) => {
      const index = first + k;
      env[0].SequenceInfo = { ...(env[0].SequenceInfo as Json), Index: index };
      const pd = pdOf(env);
      const t = treeDigest(index, pd, (i) => local.get(i) ?? known.get(i));
      local.set(index, t);
      const trailer: Json = { ...((env[2] as Json | undefined) ?? {}), PayloadDigest: toBase64Url(pd), TreeDigest: toBase64Url(t) };
      delete trailer.ApexDigest;
      (env as unknown[])[2] = trailer;
    });
  }

  /** Applies the current attack to one Download update; true when something was changed. */
  async function attackUpdate(u: Json): Promise<boolean> {
    const a = proxy.attack!;
    const store = String(u.Store);
    const envs = (u.Envelopes as EnvelopeJson[] | undefined) ?? [];
    if (!envs.length) return false;
    const first = indexOf(envs[0]);
    // Entry frames only (never the store header at index 0), so the attack hits catalog data.
    const entries = envs.map((e, k) => k).filter((k) => first + k > 0);
    switch (a.kind) {
      case 'flip': {
        if (!entries.length) return false;
        const k = entries[Math.floor(entries.length / 2)];
        const body = fromBase64Url(envs[k][1]);
        if (!body.length) return false;
        body[Math.floor(body.length / 2)] ^= 0x10;
        envs[k][1] = toBase64Url(body);
        if (a.forge) reseal(store, envs.slice(k), first + k);
        return true;
      }
      case 'reorder': {
        if (entries.length < 2) return false;
        const [i, j] = [entries[entries.length - 2], entries[entries.length - 1]];
        [envs[i], envs[j]] = [envs[j], envs[i]];
        if (a.forge) reseal(store, envs.slice(i), first + i);
        return true;
      }
      case 'drop': {
        if (entries.length < (a.which === 'first' ? 1 : 2)) return false;
        const k = a.which === 'first' ? entries[0] : entries[Math.floor((entries.length - 1) / 2)];
        envs.splice(k, 1);
        if (a.forge && envs.length > k) reseal(store, envs.slice(k), first + k);
        return true;
      }
      case 'truncate': {
        if (!entries.length) return false;
        envs.splice(Math.max(entries[0], Math.floor(envs.length / 2)));
        u.Partial = false;
        delete u.FinalIndex;
        return true;
      }
      case 'replay': {
        // A frame the device verified in an earlier answer (else one of this run), as a new frame.
        const last = indexOf(envs[envs.length - 1]);
        const rec = recorded.get(store)?.download;
        const recEnvs = rec ? ((rec.Updates as Json[]).find((x) => x.Store === store)?.Envelopes as EnvelopeJson[] | undefined) : undefined;
        const pool = (recEnvs ?? envs).filter((e) => indexOf(e) > 0);
        if (!pool.length) return false;
        const old = clone(pool[pool.length - 1]);
        envs.push(old);
        reseal(store, [old], last + 1);
        return true;
      }
      case 'inject': {
        const last = indexOf(envs[envs.length - 1]);
        const env = clone(await a.build(last + 1));
        env[0].Received = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        envs.push(env);
        reseal(store, [env], last + 1);
        return true;
      }
      default:
        return false;
    }
  }

  /** Remembers the service's tree digests (from every genuine Download answer). */
  function recordTrees(resp: Json): void {
    for (const u of (resp.Updates as Json[] | undefined) ?? []) {
      for (const e of (u.Envelopes as EnvelopeJson[] | undefined) ?? []) {
        const t = (e[2] as Json | undefined)?.TreeDigest;
        if (typeof t === 'string') treesOf(String(u.Store)).set(indexOf(e), fromBase64Url(t));
      }
    }
  }

  /** Highest frame index served per store (what the devices may have verified). */
  function recordServed(resp: Json): void {
    for (const u of (resp.Updates as Json[] | undefined) ?? []) {
      const envs = (u.Envelopes as EnvelopeJson[] | undefined) ?? [];
      if (envs.length) served.set(String(u.Store), Math.max(served.get(String(u.Store)) ?? -1, indexOf(envs[envs.length - 1])));
    }
  }

  /** Remembers the first answers with frames (rollback material). */
  function record(tx: string, resp: Json): void {
    if (tx === 'Download') {
      for (const u of (resp.Updates as Json[] | undefined) ?? []) {
        const store = String(u.Store);
        const envs = (u.Envelopes as EnvelopeJson[] | undefined) ?? [];
        const r = recorded.get(store) ?? {};
        if (!r.download && envs.length > 1) r.download = clone(resp);
        recorded.set(store, r);
      }
    } else if (tx === 'Status') {
      for (const s of (resp.StoreStatus as Json[] | undefined) ?? []) {
        const r = recorded.get(String(s.Store)) ?? {};
        if (!r.status && Number(s.Index) >= 1) r.status = clone(resp);
        recorded.set(String(s.Store), r);
      }
    }
  }

  const storeMatches = (store: string) => !proxy.store || proxy.store === store;

  /** The (possibly altered) answer body. */
  async function alter(tx: string, reqJson: Json | undefined, resp: Json, tag: string): Promise<Json> {
    const a = proxy.attack;
    const inner = resp[tag] as Json;
    if (!a || typeof inner?.Status !== 'number' || inner.Status >= 300) return resp;
    if (tx === 'Status') {
      const stores = (inner.StoreStatus as Json[] | undefined) ?? [];
      if (a.kind === 'rollback') {
        const target = stores.find((s) => storeMatches(String(s.Store)) && recorded.get(String(s.Store))?.status);
        if (!target) return resp;
        const old = recorded.get(String(target.Store))!.status!;
        const oldEntry = ((old.StoreStatus as Json[]) ?? []).find((s) => s.Store === target.Store)!;
        if (Number(oldEntry.Index) >= Number(target.Index)) return resp;
        Object.assign(target, clone(oldEntry));
        proxy.applied++;
        return resp;
      }
      if ('forge' in a && a.forge) {
        for (const s of stores) {
          if (!storeMatches(String(s.Store))) continue;
          delete s.Digest;
          // A history one frame shorter, but never shorter than what was already served.
          if (a.kind === 'drop') s.Index = Math.max(served.get(String(s.Store)) ?? -1, Number(s.Index) - 1);
        }
      }
      if (a.kind === 'replay' || a.kind === 'inject') for (const s of stores) if (storeMatches(String(s.Store))) delete s.Digest;
      return resp;
    }
    if (tx === 'Transact' && ['flip', 'reorder', 'drop', 'truncate', 'replay', 'inject'].includes(a.kind)) {
      // The store as the Transact left it would let the device keep its own frames without downloading
      // them, out of reach of the Download attack: this service does not say (the device asks Status).
      delete inner.StoreStatus;
      return resp;
    }
    if (tx === 'Download') {
      if (a.kind === 'rollback' || a.kind === 'stale-download') {
        const want = ((reqJson?.Select as Json[] | undefined) ?? []).map((s) => String(s.Store)).find((s) => storeMatches(s) && recorded.get(s)?.download);
        if (!want) return resp;
        const old = clone(recorded.get(want)!.download!);
        const oldFirst = indexOf((((old.Updates as Json[]).find((u) => u.Store === want)!.Envelopes) as EnvelopeJson[])[0]);
        const asked = Number(((reqJson!.Select as Json[]).find((s) => s.Store === want)!.IndexMin) ?? 0);
        if (oldFirst >= asked) return resp; // nothing older to serve
        proxy.applied++;
        return { [tag]: { ...old, ID: inner.ID } };
      }
      let changed = false;
      for (const u of (inner.Updates as Json[] | undefined) ?? []) if (storeMatches(String(u.Store)) && (await attackUpdate(u))) changed = true;
      if (changed) proxy.applied++;
      return resp;
    }
    if (tx === 'Connect' && a.kind === 'wrong-profile') {
      const ackEnv = inner.EnvelopedAcknowledgeConnection as EnvelopeJson | undefined;
      const reqEnv = (reqJson?.EnvelopedRequestConnection as EnvelopeJson | undefined);
      if (!ackEnv || !reqEnv) return resp;
      const ack = (JSON.parse(fromUtf8(fromBase64Url(ackEnv[1]))) as Json).AcknowledgeConnection as Json;
      const rc = (JSON.parse(fromUtf8(fromBase64Url(reqEnv[1]))) as Json).RequestConnection as Json;
      const device = readProfile(rc.AuthenticatedData, 'ProfileDevice');
      const other = readProfile(a.profile, 'ProfileUser');
      const witness = connectionWitness(other.udfBytes, fromBase64Url(String(ack.ServerNonce)), device.udfBytes, fromBase64Url(String(rc.ClientNonce)));
      responseIds.set(makeId(witness, RESPONSE_ID_TYPE), makeId(String(ack.Witness), RESPONSE_ID_TYPE));
      const body = { AcknowledgeConnection: { ...ack, Witness: witness, MessageId: witness } };
      const env = await createEnvelope(utf8(JSON.stringify(body)), {
        signers: [identity.signer],
        contentMeta: { MessageType: 'AcknowledgeConnection' },
        header: { EnvelopeId: makeId(witness, ENVELOPE_ID_TYPE) },
      });
      inner.EnvelopedAcknowledgeConnection = toEnvelopeJson(env);
      inner.EnvelopedProfileAccount = a.profile;
      proxy.applied++;
      return resp;
    }
    return resp;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Uint8Array = new Uint8Array(Buffer.concat(chunks));
    const tx = transactionOf(body) ?? '?';
    proxy.seen.push(tx);
    proxy.onRequest?.(tx);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;

    // The MAC key this client shares with the service (protocol.md §4.2), recomputed from the service key.
    let key: Uint8Array | undefined;
    let nonce: Uint8Array | undefined;
    const authValue = headers[HEADER_AUTH.toLowerCase()];
    const credValue = headers[HEADER_CREDENTIAL.toLowerCase()];
    if (authValue && credValue) {
      const pub = clientAuthKey(credValue);
      try {
        const auth = parseAuthHeader(authValue);
        if (pub) {
          key = macKey(identity.agree(pub), auth.nonce);
          nonce = auth.nonce;
          // Complete for a connection we redirected: ask the service for the real response id.
          const reqJson = JSON.parse(fromUtf8(body)) as Json;
          const c = reqJson.Complete as Json | undefined;
          const real = c && responseIds.get(String(c.ResponseID));
          if (real) {
            c.ResponseID = real;
            body = utf8(JSON.stringify(reqJson));
            headers[HEADER_AUTH.toLowerCase()] = formatAuthHeader({ ...auth, mac: requestMac(key, auth.ts, new URL(req.url ?? '/', 'http://x').pathname, body) });
          }
        }
      } catch {
        key = undefined;
      }
    }

    const a = proxy.attack;
    let upstreamRes: Response;
    try {
      upstreamRes = await fetch(new URL(req.url ?? '/', upstream), { method: req.method, headers, body: req.method === 'POST' ? (body as BodyInit) : undefined });
    } catch {
      req.socket.destroy(); // the service is down: the client sees a connection failure
      return;
    }
    let out: Uint8Array = new Uint8Array(await upstreamRes.arrayBuffer());
    const outHeaders: Record<string, string> = { 'content-type': upstreamRes.headers.get('content-type') ?? 'application/json' };
    const mac = upstreamRes.headers.get(HEADER_AUTH_RESPONSE);
    if (mac) outHeaders[HEADER_AUTH_RESPONSE] = mac;

    if (upstreamRes.status === 200) {
      let parsed: Json | undefined;
      try {
        parsed = JSON.parse(fromUtf8(out)) as Json;
      } catch {
        parsed = undefined;
      }
      if (parsed) {
        const tag = Object.keys(parsed)[0];
        const reqJson = (() => {
          try {
            return (JSON.parse(fromUtf8(body)) as Json)[tx] as Json;
          } catch {
            return undefined;
          }
        })();
        const inner = parsed[tag] as Json;
        if (tx === 'Download' && typeof inner?.Status === 'number' && inner.Status < 300) recordTrees(inner);
        const before = JSON.stringify(parsed);
        const altered = await alter(tx, reqJson, parsed, tag);
        if (JSON.stringify(altered) !== before) {
          out = utf8(JSON.stringify(altered));
          if (key && nonce) outHeaders[HEADER_AUTH_RESPONSE] = formatResponseHeader(responseMac(key, nonce, out));
        }
        if (tx === 'Download') recordServed(altered[Object.keys(altered)[0]] as Json);
        // Only genuine answers are rollback material.
        if (JSON.stringify(altered) === before && typeof inner?.Status === 'number' && inner.Status < 300) record(tx, inner);
      }
    }
    if (a?.kind === 'strip-mac' && outHeaders[HEADER_AUTH_RESPONSE]) {
      delete outHeaders[HEADER_AUTH_RESPONSE];
      proxy.applied++;
    }
    if (a?.kind === 'delay' && (!a.tx || a.tx === tx)) {
      proxy.applied++;
      // Held back, unless the client gives up first (closed tab, browser, timeout).
      await new Promise<void>((r) => {
        const t = setTimeout(r, a.ms);
        res.once('close', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(upstreamRes.status, { ...outHeaders, 'content-length': String(out.length) });
    res.end(out);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`hostile proxy failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${port}${upstream.pathname}`;
  return proxy;
}
