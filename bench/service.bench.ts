// Mesh Service benchmarks over loopback against a real service process (issue 4, Performance):
// Transact throughput with 50 concurrent clients, memory with 1,000 accounts, incremental sync
// bytes of one changed entry on a 10,000-entry store, initial download of 10,000 entries.
import { readFileSync } from 'node:fs';
import { sha512 } from '@noble/hashes/sha2.js';
import { MeshClient, frameIndex } from '../src/mesh/client.ts';
import { fromBase64Url, randomBytes } from '../src/mesh/bytes.ts';
import { treeDigest } from '../src/mesh/dare/merkle.ts';
import { nonceUdf } from '../src/mesh/protocol/fingerprints.ts';
import type { EnvelopeJson } from '../src/mesh/protocol/messages.ts';
import { startServiceProcess, type ServiceProcess } from '../test/e2e/harness/service.ts';
import { entryFrame, makeAccount, makeConnection, storeHeader } from '../test/integration/service-fixtures.ts';
import { ed448 } from '@noble/curves/ed448.js';
import { publicFromPrivate } from '../src/mesh/dare/curves.ts';
import { decryptionKey } from '../src/mesh/dare/recipients.ts';
import { keysByKid, signer } from '../src/mesh/dare/signature.ts';
import { keyFingerprint } from '../src/mesh/protocol/fingerprints.ts';
import { buildStoreHeaderFrame } from '../src/mesh/catalog/frame.ts';
import { MemorySyncLocal, StoreReplica, queueEdits, syncStores, type SyncStoreKeys } from '../src/mesh/sync.ts';
import type { BenchResult } from './types.ts';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Binds an account and returns a bootstrap admin client (no Access store: any admin-signed connection is accepted). */
async function account(svc: ServiceProcess, fetchFn?: typeof fetch): Promise<MeshClient> {
  const a = await makeAccount(`u${nonceUdf().slice(0, 9).toLowerCase()}@bench.example`);
  await new MeshClient({ serviceUrl: svc.url, accountAddress: a.address, credential: a.owner }).bindAccount(a.profile);
  const conn = await makeConnection(a);
  return new MeshClient({ serviceUrl: svc.url, accountAddress: a.address, credential: conn.credential, fetch: fetchFn });
}

async function pool<T>(n: number, limit: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await f(i);
    }
  }));
  return out;
}

export async function throughput(svc: ServiceProcess): Promise<BenchResult[]> {
  const clients = await pool(50, 10, () => account(svc));
  for (const c of clients) await c.transact({ updates: [{ Store: 'Credential', Envelopes: [await storeHeader()] }] });
  const frames = await Promise.all(Array.from({ length: 50 * 60 }, () => entryFrame({ uniqueId: nonceUdf(), body: randomBytes(600) })));
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + 3000;
  let k = 0;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < deadline && k < frames.length) {
      const f = frames[k++];
      const t0 = performance.now();
      await c.transact({ updates: [{ Store: 'Credential', Envelopes: [f] }] });
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
  return [
    { measure: 'Transact throughput, 50 concurrent clients (1 entry each, fsync per Transact)', value: round(latencies.length / seconds), unit: 'req/s', better: 'higher', note: `${latencies.length} Transacts in ${round(seconds)} s, 50 accounts` },
    { measure: 'Transact p99 latency, 50 concurrent clients', value: round(p99), unit: 'ms', better: 'lower', note: `median ${round(latencies[latencies.length >> 1])} ms` },
  ];
}

/** 50 devices of one account: Transacts of one account are serialized (conflict rule, journal). */
export async function throughputOneAccount(svc: ServiceProcess): Promise<BenchResult[]> {
  const a = await makeAccount(`one${nonceUdf().slice(0, 6).toLowerCase()}@bench.example`);
  await new MeshClient({ serviceUrl: svc.url, accountAddress: a.address, credential: a.owner }).bindAccount(a.profile);
  const clients = await Promise.all(Array.from({ length: 50 }, async () => new MeshClient({ serviceUrl: svc.url, accountAddress: a.address, credential: (await makeConnection(a)).credential })));
  await clients[0].transact({ updates: [{ Store: 'Credential', Envelopes: [await storeHeader()] }] });
  // Warm up: Hello and the key agreement of every client happen before the clock starts.
  await Promise.all(clients.map((c) => c.status(['Credential'])));
  const frames = await Promise.all(Array.from({ length: 50 * 40 }, () => entryFrame({ uniqueId: nonceUdf(), body: randomBytes(600) })));
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + 3000;
  let k = 0;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < deadline && k < frames.length) {
      const f = frames[k++];
      const t0 = performance.now();
      await c.transact({ updates: [{ Store: 'Credential', Envelopes: [f] }] });
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
  return [{ measure: 'Transact throughput, 50 concurrent devices of one account', value: round(latencies.length / seconds), unit: 'req/s', better: 'higher', note: `p99 ${round(p99)} ms, median ${round(latencies[latencies.length >> 1])} ms (one account: conflict rule in arrival order, group commit)` }];
}

async function memory(): Promise<BenchResult[]> {
  const svc = await startServiceProcess();
  try {
    const base = rssMB(svc.pid);
    await pool(1000, 16, () => account(svc));
    const after = rssMB(svc.pid);
    await svc.stop();
    const t0 = performance.now();
    await svc.restart();
    await new MeshClient({ serviceUrl: svc.url, accountAddress: 'x@y.z' }).hello();
    const startMs = performance.now() - t0;
    const fresh = rssMB(svc.pid);
    return [
      { measure: 'service memory (RSS) with 1,000 accounts, after restart', value: round(fresh), unit: 'MB', better: 'lower', note: `empty service ${round(base)} MB; ${round(after)} MB right after binding them; start with 1,000 accounts (spawn, load, verify, first Hello) ${round(startMs)} ms` },
    ];
  } finally {
    await svc.dispose();
  }
}

async function uploadEntries(c: MeshClient, n: number): Promise<void> {
  await c.transact({ updates: [{ Store: 'Credential', Envelopes: [await storeHeader()] }] });
  for (let done = 0; done < n; done += 1000) {
    const batch = await Promise.all(Array.from({ length: Math.min(1000, n - done) }, () => entryFrame({ uniqueId: nonceUdf(), body: randomBytes(700) })));
    await c.transact({ updates: [{ Store: 'Credential', Envelopes: batch }] });
  }
}

/** Bytes on the wire (request + response bodies and headers) of one Status + Download after one change. */
async function incrementalBytes(svc: ServiceProcess, entries: number): Promise<{ bytes: number; ms: number }> {
  let bytes = 0;
  const counting: typeof fetch = async (url, init) => {
    const i = init as RequestInit;
    const headers = Object.entries((i.headers ?? {}) as Record<string, string>).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    bytes += headers + ((i.body as Uint8Array | undefined)?.length ?? 0);
    const res = await fetch(url, init);
    const body = await res.arrayBuffer();
    res.headers.forEach((v, k) => (bytes += k.length + v.length + 4));
    bytes += body.byteLength;
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const writer = await account(svc);
  await uploadEntries(writer, entries);
  const reader = new MeshClient({ serviceUrl: svc.url, accountAddress: writer.accountAddress, credential: writer.credential, fetch: counting });
  await reader.hello();
  const seen = (await reader.status(['Credential'])).StoreStatus![0].Index;
  await writer.transact({ updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: nonceUdf(), body: randomBytes(700) })] }] });
  bytes = 0;
  const t0 = performance.now();
  const st = await reader.status(['Credential']);
  const d = await reader.download('Credential', { fromIndex: seen + 1 });
  const ms = performance.now() - t0;
  if (d.envelopes.length !== 1 || st.StoreStatus![0].Index !== seen + 1) throw new Error('incremental sync did not return exactly the changed entry');
  return { bytes, ms };
}

async function initialDownload(svc: ServiceProcess): Promise<BenchResult[]> {
  const c = await account(svc);
  const t0 = performance.now();
  await uploadEntries(c, 10_000);
  const upload = performance.now() - t0;
  const reader = new MeshClient({ serviceUrl: svc.url, accountAddress: c.accountAddress, credential: c.credential });
  await reader.hello();
  const t1 = performance.now();
  const d = await reader.download('Credential', { fromIndex: 0 });
  const fetched = performance.now() - t1;
  // Client-side verification the sync engine does for frames covered by a checkpoint: payload digest and tree digest per frame.
  const tree: Uint8Array[] = [];
  d.envelopes.forEach((e: EnvelopeJson, i) => {
    if (frameIndex(e) !== i) throw new Error('frame out of order');
    const pd = sha512(fromBase64Url(e[1]));
    const t = treeDigest(i, pd, (k) => tree[k]);
    const claimed = (e[2] as Record<string, unknown>).TreeDigest as string;
    if (Buffer.from(t).toString('base64url') !== claimed) throw new Error(`tree digest mismatch at ${i}`);
    tree.push(t);
  });
  const total = performance.now() - t1;
  return [
    { measure: 'initial download of 10,000 entries over loopback, tree digests verified', value: round(total), unit: 'ms', target: 2000, better: 'lower', note: `transfer ${round(fetched)} ms, ${d.envelopes.length} frames; signatures excluded (checkpoints, decision 14); F2's full sync engine bench covers decryption` },
    { measure: 'bulk upload of 10,000 entries (10 Transacts of 1,000)', value: round(upload), unit: 'ms', better: 'lower' },
  ];
}

/** Initial sync of a new device with F2's sync engine (download, checkpoint + tree verification, decryption, indexing). */
export async function engineInitialSync(svc: ServiceProcess, n: number): Promise<BenchResult[]> {
  const c = await account(svc);
  const storePriv = randomBytes(56);
  const storePub = publicFromPrivate('X448', storePriv);
  const storeKid = keyFingerprint('X448', storePub);
  const sigPriv = randomBytes(57);
  const sigPub = ed448.getPublicKey(sigPriv);
  const sigKid = keyFingerprint('Ed448', sigPub);
  const keys: SyncStoreKeys = {
    read: { decrypt: [decryptionKey('X448', storePriv, storeKid)], signers: keysByKid([{ kid: sigKid, crv: 'Ed448', public: sigPub }]) },
    write: { recipient: { kid: storeKid, crv: 'X448', public: storePub }, signer: signer('Ed448', sigPriv, sigKid) },
  };
  await c.transact({ updates: [{ Store: 'Credential', Envelopes: [buildStoreHeaderFrame(nonceUdf(), { PublicKeyECDH: { crv: 'X448', Public: Buffer.from(storePub).toString('base64url') } })] }] });
  const writerLocal = new MemorySyncLocal();
  const writer = await StoreReplica.open(writerLocal, 'Credential', keys.read);
  const inputs = Array.from({ length: n }, (_, i) => ({ event: 'New' as const, fields: { Protocol: 'https', Service: `site-${i}.example.com`, Username: `user${i}@example.org`, Password: `Pw-${i}-xK9#mQ2$vL7!zR4` } }));
  const t0 = performance.now();
  await queueEdits(writerLocal, writer, inputs);
  const w = await syncStores({ transport: c, local: writerLocal, replicas: [writer], keys: { Credential: keys }, batchSize: 1000 });
  const upload = performance.now() - t0;
  if (!w.complete) throw new Error('writer sync incomplete');
  const readerClient = new MeshClient({ serviceUrl: svc.url, accountAddress: c.accountAddress, credential: c.credential });
  await readerClient.hello();
  const readerLocal = new MemorySyncLocal();
  const reader = await StoreReplica.open(readerLocal, 'Credential', { decrypt: keys.read.decrypt, signers: keys.read.signers });
  let transferMs = 0;
  const timed = {
    status: (stores?: string[]) => readerClient.status(stores),
    downloadPage: async (select: Parameters<MeshClient['downloadPage']>[0], o?: { maxResults?: number }) => {
      const t = performance.now();
      const page = await readerClient.downloadPage(select, o);
      transferMs += performance.now() - t;
      return page;
    },
    transact: (input: Parameters<MeshClient['transact']>[0]) => readerClient.transact(input),
  };
  const t1 = performance.now();
  const r = await syncStores({ transport: timed, local: readerLocal, replicas: [reader], keys: { Credential: { read: keys.read } }, pageSize: 10_000 });
  const ms = performance.now() - t1;
  if (reader.view().length !== n) throw new Error(`reader has ${reader.view().length} entries, expected ${n}`);
  return [
    { measure: `initial sync of ${n.toLocaleString('en')} credentials by a new device (F2 sync engine: download, checkpoint + tree verification, decryption)`, value: round(ms), unit: 'ms', target: 2000, better: 'lower', note: `${r.stores[0].downloaded} frames; Download transfer ${round(transferMs)} ms of it; first upload by another device ${round(upload / 1000)} s (encrypting each entry, one batch signature per upload)` },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const svc = await startServiceProcess();
  try {
    results.push(...(await throughput(svc)));
    results.push(...(await throughputOneAccount(svc)));
    const small = await incrementalBytes(svc, 100);
    const large = await incrementalBytes(svc, 10_000);
    results.push({ measure: 'incremental sync of 1 changed entry on a 10,000-entry store (Status + Download, bytes on the wire)', value: large.bytes, unit: 'bytes', better: 'lower', note: `${small.bytes} bytes on a 100-entry store; ${round(large.ms)} ms` });
    results.push(...(await initialDownload(svc)));
    results.push(...(await engineInitialSync(svc, 10_000)));
  } finally {
    await svc.dispose();
  }
  results.push(...(await memory()));
  return results;
}
