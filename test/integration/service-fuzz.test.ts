// Property-based bad input against an in-process service: whatever arrives, the answer is a Mesh
// error or an HTTP error, never a crash or an internal error, and nothing is stored.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshClient } from '../../src/mesh/client.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { startService, type RunningService } from '../../src/service/server.ts';
import { accessFrame, makeAccount, makeConnection, storeHeader } from './service-fixtures.ts';

let running: RunningService;
let dir: string;
let admin: MeshClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-fuzz-'));
  running = await startService({ dataDir: dir });
  const account = await makeAccount('fuzz@example.com');
  const bound = await new MeshClient({ serviceUrl: running.url, accountAddress: account.address, credential: account.owner }).bindAccount(account.profile);
  const conn = await makeConnection(account);
  admin = new MeshClient({ serviceUrl: running.url, accountAddress: account.address, credential: conn.credential });
  await admin.transact({ updates: [{ Store: 'Access', Envelopes: [await storeHeader(), await accessFrame(account, bound.accessEncrypt!, { id: conn.kid, active: true, rights: ['admin'] })] }, { Store: 'Credential', Envelopes: [await storeHeader()] }] });
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

const TX = ['Hello', 'BindAccount', 'UnbindAccount', 'Connect', 'Complete', 'Status', 'Download', 'Transact', 'StatusRequest', 'Post', 'x'];

describe('service under random input', () => {
  test('random bodies and headers: HTTP 400/404 or a Mesh error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TX), fc.anything(), fc.option(fc.string({ maxLength: 300 })), fc.option(fc.string({ maxLength: 200 })), async (tx, body, cred, auth) => {
        const headers: Record<string, string> = {};
        if (cred !== null) headers['x-mmm-credential'] = cred;
        if (auth !== null) headers['x-mmm-auth'] = auth;
        let text: string;
        try {
          text = JSON.stringify({ [tx]: body }) ?? 'null';
        } catch {
          text = '{}';
        }
        const r = await running.service.handle(new TextEncoder().encode(text), headers, '/.well-known/mmm/');
        expect([200, 400, 404]).toContain(r.http);
        if (r.http === 200) {
          const v = JSON.parse(new TextDecoder().decode(r.body));
          const inner = Object.values(v)[0] as { Status: number };
          expect(inner.Status).not.toBe(500);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('authenticated Transact / Download / Status with random fields: a Mesh error, no catalog frame stored', async () => {
    // (A well-formed spool message may be accepted by chance: spools take any envelope.)
    const before = (await admin.status(['Credential', 'Access'])).StoreStatus;
    const envelope = fc.oneof(fc.anything(), fc.tuple(fc.dictionary(fc.string({ maxLength: 12 }), fc.anything()), fc.string({ maxLength: 40 })), fc.tuple(fc.record({ EnvelopeId: fc.string(), ContentMetaData: fc.base64String() }), fc.base64String(), fc.record({ PayloadDigest: fc.base64String() })));
    const update = fc.record({ Store: fc.constantFrom('Credential', 'Access', 'Device', 'MMM_Credential', 'Nope', ''), Envelopes: fc.oneof(fc.array(envelope, { maxLength: 3 }), fc.anything()) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Transact', 'Download', 'Status') as fc.Arbitrary<'Transact' | 'Download' | 'Status'>, fc.record({ Updates: fc.oneof(fc.array(update, { maxLength: 3 }), fc.anything()), Local: fc.oneof(fc.array(envelope, { maxLength: 2 }), fc.anything()), Select: fc.anything(), Catalogs: fc.anything(), MaxResults: fc.anything(), ID: fc.anything() }, { requiredKeys: [] }), async (tx, fields) => {
        try {
          await admin.call(tx, { Account: 'fuzz@example.com', ...fields } as never, admin.credential);
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
          expect((e as MeshError).detail).not.toMatchObject({ status: 500 });
        }
      }),
      { numRuns: 150 },
    );
    expect((await admin.status(['Credential', 'Access'])).StoreStatus).toEqual(before);
  });
});
