// Faults and bad input against the real service process: malformed and oversized requests,
// crashes (kill -9) in the middle of a Transact, and what the data dir and logs may contain.
import { afterEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshClient, frameIndex, type ClientCredential } from '../../src/mesh/client.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { fromBase64Url, randomBytes, utf8 } from '../../src/mesh/bytes.ts';
import { createEnvelope } from '../../src/mesh/dare/envelope.ts';
import { nonceUdf } from '../../src/mesh/protocol/fingerprints.ts';
import { toEnvelopeJson } from '../../src/mesh/protocol/objects.ts';
import type { EnvelopeJson } from '../../src/mesh/protocol/messages.ts';
import { startServiceProcess, type ServiceProcess } from '../e2e/harness/service.ts';
import { accessFrame, entryFrame, makeAccount, makeConnection, storeHeader, xKey } from './service-fixtures.ts';

let svc: ServiceProcess | undefined;
afterEach(async () => {
  await svc?.dispose();
  svc = undefined;
});

/** A bound account whose admin device created Access (with its capability), Credential and Bookmark. */
async function setup(s: ServiceProcess): Promise<{ admin: MeshClient; credential: ClientCredential }> {
  const account = await makeAccount(`user${Math.floor(Math.random() * 1e9)}@example.com`);
  const bound = await new MeshClient({ serviceUrl: s.url, accountAddress: account.address, credential: account.owner }).bindAccount(account.profile);
  const conn = await makeConnection(account);
  const admin = new MeshClient({ serviceUrl: s.url, accountAddress: account.address, credential: conn.credential });
  await admin.transact({
    updates: [
      { Store: 'Access', Envelopes: [await storeHeader(), await accessFrame(account, bound.accessEncrypt!, { id: conn.kid, active: true, rights: ['admin'] })] },
      { Store: 'Credential', Envelopes: [await storeHeader()] },
      { Store: 'Bookmark', Envelopes: [await storeHeader()] },
    ],
  });
  return { admin, credential: conn.credential };
}

const frames = async (n: number, size = 200): Promise<EnvelopeJson[]> => Promise.all(Array.from({ length: n }, () => entryFrame({ uniqueId: nonceUdf(), body: randomBytes(size) })));
const ids = (envs: EnvelopeJson[]): string[] => envs.map((e) => String((e[0] as Record<string, unknown>).EnvelopeId));

async function storedIds(admin: MeshClient, store: string): Promise<Set<string>> {
  const d = await admin.download(store, { fromIndex: 1 });
  d.envelopes.forEach((e, i) => expect(frameIndex(e)).toBe(i + 1));
  return new Set(ids(d.envelopes));
}

async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: body as BodyInit });
}

describe('Mesh Service faults and limits', () => {
  test('malformed, unknown, oversized and unauthenticated requests get clear errors; the service keeps serving', async () => {
    svc = await startServiceProcess();
    const { admin } = await setup(svc);
    const notJson = await post(svc.url, '{"Status": ');
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error).toMatch(/JSON/);
    expect((await post(svc.url, '{"Status":{},"Download":{}}')).status).toBe(400);
    expect((await post(svc.url, utf8('\xff\xfe'))).status).toBe(400);
    const unknown = await post(svc.url, '{"Frobnicate":{}}');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatch(/unknown transaction/);
    const huge = await post(svc.url, '{"Hello":{"x":"' + 'a'.repeat(5 * 1024 * 1024) + '"}}');
    expect(huge.status).toBe(413);
    const noAuth = await (await post(svc.url, '{"Status":{"Account":"x@y.z"}}')).json();
    expect(noAuth.StatusResponse).toMatchObject({ Status: 400, StatusExtended: 2 });
    const garbage = await (await post(svc.url, '{"Status":{"Account":"x@y.z"}}', { 'X-MMM-Credential': '!!!', 'X-MMM-Auth': 'v=1; kid=A; ts=x; nonce=y; mac=z' })).json();
    expect(garbage.StatusResponse).toMatchObject({ Status: 400, StatusExtended: 2 });
    expect((await fetch(svc.url.replace('/.well-known/mmm/', '/other'), { method: 'POST', body: '{}' })).status).toBe(404);
    const preflight = await fetch(svc.url, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-MMM-Auth/);
    expect(preflight.headers.get('access-control-expose-headers')).toMatch(/X-MMM-Auth-Response/);
    // An envelope over 64 KiB → 400/8; a body that does not match its PayloadDigest → 400; nothing applied.
    const big = await entryFrame({ uniqueId: nonceUdf(), body: new Uint8Array(70 * 1024).fill(7) });
    const e1 = await admin.transact({ updates: [{ Store: 'Credential', Envelopes: [big] }] }).catch((e: MeshError) => e);
    expect((e1 as MeshError).detail).toMatchObject({ status: 400, statusExtended: 8 });
    const tampered = await entryFrame({ uniqueId: nonceUdf() });
    tampered[1] = tampered[1].slice(0, -4) + 'AAAA';
    const e2 = await admin.transact({ updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: nonceUdf() }), tampered] }] }).catch((e: MeshError) => e);
    expect((e2 as MeshError).detail).toMatchObject({ status: 400 });
    expect((e2 as MeshError).message).toMatch(/PayloadDigest/);
    const e3 = await admin.transact({ updates: [{ Store: 'NoSuchStore', Envelopes: [await entryFrame({ uniqueId: nonceUdf() })] }] }).catch((e: MeshError) => e);
    expect((e3 as MeshError).detail).toMatchObject({ status: 400, statusExtended: 6 });
    const e4 = await admin.transact({ updates: [{ Store: 'Task', Envelopes: [await entryFrame({ uniqueId: nonceUdf() })] }] }).catch((e: MeshError) => e);
    expect((e4 as MeshError).detail).toMatchObject({ status: 400, statusExtended: 6 });
    expect((await admin.status(['Credential'])).StoreStatus).toMatchObject([{ Store: 'Credential', Index: 0 }]);
    expect((await admin.hello()).profileUdf).toBeTruthy();
  });

  test.each(['mid-write', 'before-journal'] as const)('crash %s inside a Transact: nothing half-applied, acknowledged work kept, torn bytes cut', async (point) => {
    svc = await startServiceProcess({ env: { MESH_SERVICE_CRASH_POINT: point }, args: [] });
    const { admin } = await setup(svc);
    const acked = await frames(5);
    await admin.transact({ updates: [{ Store: 'Credential', Envelopes: acked }] });
    const lost = await frames(300);
    const lostBookmarks = await frames(50);
    const err = await admin.transact({ updates: [{ Store: 'Credential', Envelopes: lost }, { Store: 'Bookmark', Envelopes: lostBookmarks }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe('network');
    await svc.restart();
    const cred = await storedIds(admin, 'Credential');
    expect(ids(acked).every((id) => cred.has(id))).toBe(true);
    expect(ids(lost).some((id) => cred.has(id))).toBe(false);
    expect((await storedIds(admin, 'Bookmark')).size).toBe(0);
    expect(svc.log.join('\n')).toMatch(/cut \d+ uncommitted bytes/);
    // The same request now goes through whole.
    await admin.transact({ updates: [{ Store: 'Credential', Envelopes: lost }, { Store: 'Bookmark', Envelopes: lostBookmarks }] });
    expect((await storedIds(admin, 'Credential')).size).toBe(305);
  });

  test('kill -9 at a random moment during a stream of large Transacts: every acknowledged one present, none partial', async () => {
    svc = await startServiceProcess();
    const { admin } = await setup(svc);
    const batches: EnvelopeJson[][] = [];
    for (let i = 0; i < 30; i++) batches.push(await frames(250, 300));
    const acked: number[] = [];
    const sender = (async () => {
      for (let i = 0; i < batches.length; i++) {
        try {
          await admin.transact({ updates: [{ Store: 'Credential', Envelopes: batches[i] }] });
          acked.push(i);
        } catch {
          return;
        }
      }
    })();
    for (let i = 0; i < 400 && acked.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, Math.random() * 30));
    await svc.kill9();
    await sender;
    await svc.restart();
    const stored = await storedIds(admin, 'Credential');
    for (let i = 0; i < batches.length; i++) {
      const present = ids(batches[i]).filter((id) => stored.has(id)).length;
      if (acked.includes(i)) expect(present).toBe(250);
      else expect([0, 250]).toContain(present);
    }
    expect(acked.length).toBeLessThan(batches.length);
  });

  test('a damaged committed frame is detected at start: the verified prefix is served, the original kept', async () => {
    svc = await startServiceProcess({ args: [] });
    const { admin } = await setup(svc);
    const sent = await frames(6, 500);
    await admin.transact({ updates: [{ Store: 'Credential', Envelopes: sent }] });
    await svc.stop();
    const dir = join(svc.dataDir, 'accounts', readdirSync(join(svc.dataDir, 'accounts'))[0]);
    const file = join(dir, 'Credential.dare');
    const bytes = readFileSync(file);
    // Flip one octet inside the body of the 4th entry (frame index 4).
    const marker = Buffer.from(fromBase64Url(sent[3][1]).subarray(100, 116));
    const at = bytes.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    bytes[at] ^= 0xff;
    writeFileSync(file, bytes);
    await svc.restart();
    expect((await admin.status(['Credential'])).StoreStatus![0].Index).toBe(3);
    expect(svc.log.join('\n')).toMatch(/tree digest does not verify/);
    expect(readdirSync(dir).some((f) => f.startsWith('Credential.dare.damaged-'))).toBe(true);
    // The store keeps working from the verified prefix.
    await admin.transact({ updates: [{ Store: 'Credential', Envelopes: await frames(1) }] });
    expect((await admin.status(['Credential'])).StoreStatus![0].Index).toBe(4);
  });

  test('a full disk: 503, nothing applied, the service keeps serving and restarts clean (tmpfs; skipped without mount rights)', async (ctx) => {
    const mnt = mkdtempSync(join(tmpdir(), 'mesh-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      rmSync(mnt, { recursive: true, force: true });
      ctx.skip();
      return;
    }
    try {
      svc = await startServiceProcess({ dataDir: join(mnt, 'data'), args: [] });
      const { admin } = await setup(svc);
      let accepted = 0;
      let refused = 0;
      for (let i = 0; i < 40 && refused < 3; i++) {
        try {
          await admin.transact({ updates: [{ Store: 'Credential', Envelopes: await frames(20, 2000) }] });
          accepted++;
        } catch (e) {
          expect((e as MeshError).detail).toMatchObject({ status: 503 });
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(0);
      expect((await admin.status(['Credential'])).StoreStatus![0].Index).toBe(accepted * 20);
      await svc.restart();
      expect((await admin.status(['Credential'])).StoreStatus![0].Index).toBe(accepted * 20);
      expect(svc.log.join('\n')).not.toMatch(/cut \d+ uncommitted/);
    } finally {
      await svc?.dispose();
      svc = undefined;
      execFileSync('umount', [mnt], { stdio: 'ignore' });
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  test('neither the data dir nor the log holds a password, username or site name', async () => {
    svc = await startServiceProcess({ args: [] });
    const { admin } = await setup(svc);
    const secrets = ['Hunter2-Secret-Pw!', 'alice.smith.user', 'bank-of-secrets.example'];
    const storeKey = xKey();
    const payload = utf8(JSON.stringify({ CatalogedCredential: { Service: secrets[2], Username: secrets[1], Password: secrets[0] } }));
    const env = await createEnvelope(payload, {
      recipients: [{ kid: storeKey.kid, crv: 'X448', public: storeKey.pub }],
      contentMeta: { UniqueId: nonceUdf(), Event: 'New' },
      digest: true,
      header: { EnvelopeId: nonceUdf() },
    });
    await admin.transact({ updates: [{ Store: 'Credential', Envelopes: [toEnvelopeJson(env)] }] });
    await admin.download('Credential');
    await svc.stop();
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(svc.dataDir);
    expect(files.some((f) => f.endsWith('Credential.dare'))).toBe(true);
    const haystacks = [...files.map((f) => readFileSync(f).toString('latin1')), svc.log.join('\n')];
    for (const h of haystacks) for (const s of secrets) expect(h.includes(s)).toBe(false);
    expect(svc.log.length).toBeGreaterThan(3);
  });
});
