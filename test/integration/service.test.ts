// The Mesh Service as a real process, driven through MeshClient: Hello, BindAccount, store
// creation, Transact / Download / Status, the conflict rule, idempotent retries, Access-based
// authorisation and revocation, Connect / Complete.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MeshClient, frameIndex, type ClientCredential } from '../../src/mesh/client.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { utf8, toBase64Url, randomBytes, fromBase64Url as fromB64 } from '../../src/mesh/bytes.ts';
import { createEnvelope } from '../../src/mesh/dare/envelope.ts';
import { ENVELOPE_ID_TYPE, RESPONSE_ID_TYPE, makeId, nonceUdf, connectionWitness } from '../../src/mesh/protocol/fingerprints.ts';
import { readObject, toEnvelopeJson, type PublicKey } from '../../src/mesh/protocol/objects.ts';
import { startServiceProcess, type ServiceProcess } from '../e2e/harness/service.ts';
import { accessFrame, entryFrame, makeAccount, makeConnection, makeDevice, storeHeader, type TestAccount } from './service-fixtures.ts';

let svc: ServiceProcess;
let account: TestAccount;
let accessEncrypt: PublicKey;
let admin: { credential: ClientCredential; kid: string };
let adminClient: MeshClient;

const client = (credential?: ClientCredential, address = account.address) => new MeshClient({ serviceUrl: svc.url, accountAddress: address, credential });

async function rejects(p: Promise<unknown>): Promise<MeshError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MeshError) return e;
    throw e;
  }
  throw new Error('expected a MeshError');
}

beforeAll(async () => {
  svc = await startServiceProcess();
  account = await makeAccount('alice@example.com');
  admin = await makeConnection(account);
}, 30_000);
afterAll(async () => {
  await svc?.dispose();
});

describe('Mesh Service', () => {
  test('Hello returns a self-signed service profile and the client pins it', async () => {
    const c = client();
    const info = await c.hello();
    expect(info.profileUdf).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){6}$/);
    expect(info.authentication.crv).toBe('X448');
    const pinnedWrong = new MeshClient({ serviceUrl: svc.url, accountAddress: 'a@b.c', pinnedServiceUdf: 'MAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA' });
    expect((await rejects(pinnedWrong.hello())).code).toBe('auth');
  });

  test('BindAccount with the owner credential; the address cannot be bound twice', async () => {
    const r = await client(account.owner).bindAccount(account.profile);
    expect(r.accessEncrypt?.crv).toBe('X448');
    accessEncrypt = r.accessEncrypt!;
    const again = await rejects(client(account.owner).bindAccount(account.profile));
    expect(again.code).toBe('protocol');
    expect(again.detail).toMatchObject({ status: 400, statusExtended: 1 });
  });

  test('the owner credential is accepted for BindAccount only', async () => {
    const e = await rejects(client(account.owner).status());
    expect(e.code).toBe('auth');
  });

  test('bootstrap: the admin device creates the stores and its own capability', async () => {
    adminClient = client(admin.credential);
    const r = await adminClient.transact({
      updates: [
        { Store: 'Access', Envelopes: [await storeHeader(), await accessFrame(account, accessEncrypt, { id: admin.kid, active: true, rights: ['admin'] })] },
        { Store: 'Credential', Envelopes: [await storeHeader()] },
        { Store: 'Device', Envelopes: [await storeHeader()] },
      ],
    });
    expect(r.Status).toBe(201);
    expect(r.Entries?.map((e) => e.IndexContainer)).toEqual([0, 1, 0, 0]);
    const st = await adminClient.status(['Access', 'Credential', 'Device', 'Inbound', 'Bookmark']);
    expect(st.StoreStatus?.map((s) => [s.Store, s.Index])).toEqual([['Access', 1], ['Credential', 0], ['Device', 0], ['Inbound', 0]]);
    expect(st.StoreStatus?.[0].Digest).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  test('Transact, Download and Status round trip; frames come back as uploaded plus index, Received and TreeDigest', async () => {
    const frames = [];
    for (let i = 0; i < 5; i++) frames.push(await entryFrame({ uniqueId: nonceUdf(), signer: account.common.signer }));
    const r = await adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: frames }] });
    expect(r.Entries?.map((e) => [e.Result, e.IndexContainer])).toEqual([1, 2, 3, 4, 5].map((i) => ['Accept', i]));
    expect(r.Bitmask).toBe('ABAAAA');
    const d = await adminClient.download('Credential', { fromIndex: 0 });
    expect(d.envelopes.length).toBe(6);
    expect(d.envelopes.map(frameIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    const got = d.envelopes[3];
    expect(got[1]).toBe(frames[2][1]);
    expect((got[0] as Record<string, unknown>).EnvelopeId).toBe(frames[2][0].EnvelopeId);
    expect((got[0] as Record<string, unknown>).ContentMetaData).toBe(frames[2][0].ContentMetaData);
    expect((got[0] as Record<string, unknown>).Received).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(got[2]).toMatchObject({ signatures: frames[2][2]!.signatures, PayloadDigest: frames[2][2]!.PayloadDigest });
    expect(typeof (got[2] as Record<string, unknown>).TreeDigest).toBe('string');
    const st = await adminClient.status(['Credential']);
    expect(st.StoreStatus).toEqual([{ Store: 'Credential', Index: 5, Digest: (d.envelopes[5][2] as Record<string, unknown>).TreeDigest }]);
    // Paging: 2 frames a page.
    const paged = await adminClient.download('Credential', { fromIndex: 1, maxResults: 2 });
    expect(paged.envelopes.map(frameIndex)).toEqual([1, 2, 3, 4, 5]);
    const page = await adminClient.downloadPage([{ Store: 'Credential', IndexMin: 1 }, { Store: 'Bookmark', IndexMin: 0 }], { maxResults: 2 });
    expect(page.Updates?.[0]).toMatchObject({ Store: 'Credential', Partial: true, FinalIndex: 5 });
    expect(page.Updates?.[1]).toEqual({ Store: 'Bookmark' });
  });

  test('conflict rule: a stale Previous gets 409/10 and nothing of the request is applied', async () => {
    const u = nonceUdf();
    const created = await adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: u })] }] });
    const base = created.Entries![0].IndexContainer!;
    const a = await adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: u, event: 'Update', previous: base })] }] });
    const aIndex = a.Entries![0].IndexContainer!;
    const before = (await adminClient.status(['Credential'])).StoreStatus![0].Index;
    const fresh = nonceUdf();
    const e = await rejects(adminClient.transact({
      updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: u, event: 'Update', previous: base }), await entryFrame({ uniqueId: fresh })] }],
      local: [toEnvelopeJson(await createEnvelope(utf8('{"MessagePin":{}}'), { header: { EnvelopeId: nonceUdf() } }))],
    }));
    expect(e.code).toBe('conflict');
    expect(e.detail).toMatchObject({ status: 409, statusExtended: 10, conflicts: [{ IndexRequest: 0, IndexContainer: aIndex, Result: 'Conflict' }] });
    expect((e.detail as { entries: unknown[] }).entries[1]).toEqual({ IndexRequest: 1, Result: 'Reject' });
    expect((await adminClient.status(['Credential'])).StoreStatus![0].Index).toBe(before);
    expect((await adminClient.status(['Local'])).StoreStatus![0].Index).toBe(0);
    // Rebased on the newest frame it is accepted; edits of different entries never conflict.
    const ok = await adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: u, event: 'Update', previous: aIndex }), await entryFrame({ uniqueId: fresh })] }] });
    expect(ok.Entries?.map((x) => x.Result)).toEqual(['Accept', 'Accept']);
    // Event that does not fit the state: New for a live entry → 400.
    const bad = await rejects(adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [await entryFrame({ uniqueId: fresh, event: 'New', previous: ok.Entries![1].IndexContainer })] }] }));
    expect(bad.detail).toMatchObject({ status: 400 });
  });

  test('a retried Transact (lost response) returns the original result and appends nothing', async () => {
    const frames = [await entryFrame({ uniqueId: nonceUdf() }), await entryFrame({ uniqueId: nonceUdf() })];
    const first = await adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: frames }] });
    const index = (await adminClient.status(['Credential'])).StoreStatus![0].Index;
    const again = await adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: frames }] });
    expect(again.Entries).toEqual(first.Entries);
    expect((await adminClient.status(['Credential'])).StoreStatus![0].Index).toBe(index);
    // A subset of already-stored envelopes with new ones → 400, nothing applied.
    const mixed = await rejects(adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [frames[0], await entryFrame({ uniqueId: nonceUdf() })] }] }));
    expect(mixed.detail).toMatchObject({ status: 400 });
    expect((await adminClient.status(['Credential'])).StoreStatus![0].Index).toBe(index);
    // Spool-only request with an ID: a retry with the same ID is answered from the journal.
    const msg = toEnvelopeJson(await createEnvelope(utf8('{"Message":{}}'), { header: { EnvelopeId: nonceUdf() } }));
    const id = toBase64Url(randomBytes(16));
    const p1 = await adminClient.post({ local: [msg] }, id);
    const p2 = await adminClient.post({ local: [msg] }, id);
    expect(p2).toEqual(p1);
    expect((await adminClient.status(['Local'])).StoreStatus![0].Index).toBe(1);
  });

  test('concurrent Transacts of one account (group commit): distinct indexes, one winner per entry, retries stored once', async () => {
    const start = (await adminClient.status(['Credential'])).StoreStatus![0].Index;
    const news = await Promise.all(Array.from({ length: 20 }, () => entryFrame({ uniqueId: nonceUdf() })));
    const rs = await Promise.all(news.map((f) => adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [f] }] })));
    const indexes = rs.map((r) => r.Entries![0].IndexContainer!).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 20 }, (_, i) => start + 1 + i));
    // Ten devices update the same entry from the same base: exactly one wins, the others are told which frame won.
    const u = JSON.parse(new TextDecoder().decode(fromB64((news[0][0] as Record<string, string>).ContentMetaData))).UniqueId as string;
    const base = rs[0].Entries![0].IndexContainer!;
    const edits = await Promise.all(Array.from({ length: 10 }, () => entryFrame({ uniqueId: u, event: 'Update', previous: base })));
    const settled = await Promise.allSettled(edits.map((f) => adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [f] }] })));
    const won = settled.filter((x) => x.status === 'fulfilled') as PromiseFulfilledResult<{ Entries?: { IndexContainer?: number }[] }>[];
    expect(won.length).toBe(1);
    const winner = won[0].value.Entries![0].IndexContainer;
    for (const x of settled) if (x.status === 'rejected') expect((x.reason as MeshError).detail).toMatchObject({ status: 409, conflicts: [{ IndexContainer: winner }] });
    // The same request sent five times at once is stored once; every copy gets the same answer.
    const frame = await entryFrame({ uniqueId: nonceUdf() });
    const copies = await Promise.all(Array.from({ length: 5 }, () => adminClient.transact({ updates: [{ Store: 'Credential', Envelopes: [frame] }] })));
    expect(new Set(copies.map((c) => c.Entries![0].IndexContainer)).size).toBe(1);
    const d = await adminClient.download('Credential', { fromIndex: start + 1 });
    expect(d.envelopes.filter((e) => (e[0] as Record<string, unknown>).EnvelopeId === frame[0].EnvelopeId).length).toBe(1);
  });

  test('Access and Device frames need the administrator signature (400/3)', async () => {
    const other = await makeConnection(account);
    const unsigned = await entryFrame({ uniqueId: other.kid, signer: account.common.signer });
    const e = await rejects(adminClient.transact({ updates: [{ Store: 'Device', Envelopes: [unsigned] }] }));
    expect(e.detail).toMatchObject({ status: 400, statusExtended: 3 });
  });

  test('a device needs an active capability; a removed device is refused', async () => {
    const dev = await makeConnection(account);
    const devClient = client(dev.credential);
    expect((await rejects(devClient.status())).code).toBe('auth');
    const granted = await adminClient.transact({ updates: [{ Store: 'Access', Envelopes: [await accessFrame(account, accessEncrypt, { id: dev.kid, active: true })] }] });
    expect((await devClient.status(['Credential'])).StoreStatus?.length).toBe(1);
    // A web device may not unbind the account.
    expect((await rejects(devClient.unbindAccount())).code).toBe('auth');
    await adminClient.transact({ updates: [{ Store: 'Access', Envelopes: [await accessFrame(account, accessEncrypt, { id: dev.kid, active: false }, 'Update', granted.Entries![0].IndexContainer)] }] });
    const refused = await rejects(devClient.download('Credential'));
    expect(refused.code).toBe('auth');
    expect(refused.message).toMatch(/removed/);
  });

  test('bad MAC, replayed request, wrong kid and stale timestamp are refused; the service keeps serving', async () => {
    let captured: { url: string; init: RequestInit } | undefined;
    const tamper = new MeshClient({
      serviceUrl: svc.url, accountAddress: account.address, credential: admin.credential,
      fetch: async (url, init) => {
        const i = init as RequestInit;
        if (typeof i.body !== 'string' && i.headers && (i.headers as Record<string, string>)['X-MMM-Auth']) {
          captured = { url: String(url), init: { ...i } };
          const text = new TextDecoder().decode(i.body as Uint8Array).replace('"Credential"', '"Bookmark"');
          return fetch(url, { ...i, body: text });
        }
        return fetch(url, i);
      },
    });
    expect((await rejects(tamper.status(['Credential']))).code).toBe('auth');
    // Replay the exact captured request of a good client.
    const spy: { init?: RequestInit } = {};
    const good = new MeshClient({ serviceUrl: svc.url, accountAddress: account.address, credential: admin.credential, fetch: async (url, init) => ((spy.init = init as RequestInit), fetch(url, init)) });
    await good.status(['Credential']);
    const replay = await fetch(svc.url, spy.init);
    const body = await replay.json();
    expect(body.StatusResponse).toMatchObject({ Status: 400, StatusExtended: 2 });
    expect(replay.headers.get('X-MMM-Auth-Response')).toBeNull();
    // A credential whose key does not match the kid.
    const other = await makeConnection(account);
    const mismatched = client({ ...admin.credential, envelope: other.credential.envelope });
    expect((await rejects(mismatched.status())).code).toBe('auth');
    // A clock far off.
    const late = new MeshClient({ serviceUrl: svc.url, accountAddress: account.address, credential: admin.credential, now: () => new Date(Date.now() - 3600_000) });
    expect((await rejects(late.status())).code).toBe('auth');
    expect(captured).toBeDefined();
    expect((await adminClient.status(['Credential'])).Status).toBe(201);
  });

  test('Connect queues an AcknowledgeConnection; Complete is pending until the admin answers in Local', async () => {
    const device = await makeDevice();
    const dc = client(device.credential);
    const clientNonce = randomBytes(16);
    const rc = { RequestConnection: { AccountAddress: account.address, AuthenticatedData: device.profile, ClientNonce: toBase64Url(clientNonce), MessageId: nonceUdf() } };
    const rcEnv = toEnvelopeJson(await createEnvelope(utf8(JSON.stringify(rc))));
    const r = await dc.connect(rcEnv, ['web']);
    expect(r.EnvelopedProfileAccount).toEqual(account.profile);
    const ack = readObject(r.EnvelopedAcknowledgeConnection, 'AcknowledgeConnection').fields;
    const { fromBase64Url } = await import('../../src/mesh/bytes.ts');
    const { readProfile } = await import('../../src/mesh/protocol/objects.ts');
    const expected = connectionWitness(readProfile(account.profile).udfBytes, fromBase64Url(ack.ServerNonce as string), readProfile(device.profile).udfBytes, clientNonce);
    expect(ack.Witness).toBe(expected);
    // The admin sees it in Inbound.
    const inbound = await adminClient.poll('Inbound', 0);
    expect(inbound.envelopes.some((e) => (e[0] as Record<string, unknown>).EnvelopeId === makeId(expected, ENVELOPE_ID_TYPE))).toBe(true);
    const responseId = makeId(expected, RESPONSE_ID_TYPE);
    expect(await dc.complete(responseId)).toEqual({ pending: true });
    const answer = toEnvelopeJson(await createEnvelope(utf8('{"RespondConnection":{"Result":"Reject"}}'), { header: { EnvelopeId: makeId(responseId, ENVELOPE_ID_TYPE) } }));
    await adminClient.post({ local: [answer] });
    const done = await dc.complete(responseId);
    expect(done.pending).toBe(false);
    if (!done.pending) expect(done.response.EnvelopedRespondConnection?.[1]).toBe(answer[1]);
    // A RequestConnection whose AuthenticatedData is not the credential's profile is refused.
    const other = await makeDevice();
    const forged = toEnvelopeJson(await createEnvelope(utf8(JSON.stringify({ RequestConnection: { ...rc.RequestConnection, AuthenticatedData: other.profile } }))));
    expect((await rejects(dc.connect(forged))).code).toBe('auth');
    // Unknown account → 400/6.
    const unknown = toEnvelopeJson(await createEnvelope(utf8(JSON.stringify({ RequestConnection: { ...rc.RequestConnection, AccountAddress: 'nobody@example.com' } }))));
    expect((await rejects(dc.connect(unknown))).detail).toMatchObject({ status: 400, statusExtended: 6 });
  });

  test('UnbindAccount by the administrator deletes the account', async () => {
    const bob = await makeAccount('bob@example.com');
    await client(bob.owner, bob.address).bindAccount(bob.profile);
    const bobAdmin = await makeConnection(bob);
    const bc = client(bobAdmin.credential, bob.address);
    await bc.unbindAccount();
    expect((await rejects(bc.status())).code).toBe('auth');
    // The address is free again.
    await client(bob.owner, bob.address).bindAccount(bob.profile);
  });
});
