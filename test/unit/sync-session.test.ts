import { describe, expect, it } from 'vitest';
import { createAccountProfile, createDeviceProfile, newAccountSeed } from '../../src/mesh/profile.ts';
import { acceptDevice, completeConnection, respondConnection, type PendingConnection } from '../../src/mesh/connect.ts';
import { storeKeys, type DeviceState } from '../../src/mesh/device.ts';
import { MeshSession } from '../../src/mesh/sync-session.ts';
import { MemorySyncLocal } from '../../src/mesh/sync-local.ts';
import { buildStoreHeaderFrame } from '../../src/mesh/catalog/frame.ts';
import type { MeshClient } from '../../src/mesh/client.ts';
import { FakeService } from './sync-fake.ts';

async function webDevice(): Promise<DeviceState> {
  const seed = newAccountSeed();
  const { envelope, udf } = await createAccountProfile(seed, 'carol@example.com');
  const dev = await createDeviceProfile();
  const accepted = await acceptDevice({ accountSeed: seed, profileUser: envelope }, dev.envelope, ['web']);
  const pending: PendingConnection = { address: 'carol@example.com', accountUdf: udf, profileUser: envelope, witness: 'W', responseId: 'NAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA', started: '' };
  const respond = await respondConnection(dev.envelope, pending.responseId, 'Accept', accepted.catalogedDevice);
  const binding = await completeConnection({ seed: dev.seed, profile: dev.envelope }, pending, respond);
  if ('pending' in binding) throw new Error('pending');
  return { version: 1, device: { seed: dev.seed, profile: dev.envelope, udf: dev.udf }, account: binding };
}

describe('MeshSession', () => {
  it('adds, finds by base domain, updates and deletes credentials; bookmarks', async () => {
    const state = await webDevice();
    const service = new FakeService();
    for (const s of ['Credential', 'Bookmark']) service.createStore(s, buildStoreHeaderFrame(`N${s}`, {}));
    expect(storeKeys(state, 'Credential').write).toBeDefined();
    const session = await MeshSession.open(state, new MemorySyncLocal(), { client: service.transport() as unknown as MeshClient });
    await session.addCredential({ site: 'https://login.example.co.uk/a', username: 'c1', password: 'p1', notes: 'hello' });
    await session.addCredential({ site: 'https://example.co.uk', username: 'c2', password: 'p2' });
    await session.addCredential({ site: 'http://localhost:8080/', username: 'dev', password: 'p3' });
    await session.addCredential({ site: 'other.co.uk', username: 'x', password: 'p4' });
    await session.sync();
    expect(session.findCredentials('https://www.example.co.uk/login').map((c) => c.username).sort()).toEqual(['c1', 'c2']);
    expect(session.findCredentials('localhost:8080').map((c) => c.username)).toEqual(['dev']);
    const [c1] = session.findCredentials('login.example.co.uk').filter((c) => c.username === 'c1');
    expect(c1.notes).toBe('hello');
    await session.updateCredential(c1.uniqueId, { password: 'p1b' });
    await session.sync();
    expect(session.findCredentials('example.co.uk').find((c) => c.username === 'c1')!.password).toBe('p1b');
    expect(session.findCredentials('example.co.uk').find((c) => c.username === 'c1')!.notes).toBe('hello');
    await session.deleteEntry('Credential', c1.uniqueId);
    await session.sync();
    expect(session.credentials()).toHaveLength(3);
    await session.addBookmark({ uri: 'https://news.example/', title: 'News', folder: 'Bar' });
    await session.sync();
    expect(session.bookmarks()).toMatchObject([{ uri: 'https://news.example/', title: 'News', folder: 'Bar' }]);
    // A second device of the account sees the same.
    const other = await MeshSession.open(state, new MemorySyncLocal(), { client: service.transport() as unknown as MeshClient });
    await other.sync();
    expect(other.credentials().map((c) => c.username).sort()).toEqual(['c2', 'dev', 'x']);
  });
});
