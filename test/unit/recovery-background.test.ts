// The worker's side of recovery from shares (the protocol side is in recovery.test.ts and the e2e
// connect-recovery test): recover-start runs in the worker, its result survives a worker restart until
// the passphrase seals it, failures come back as a clear step, and a browser already connected refuses.
import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { Background } from '../../src/background/background.ts';
import { openVaultDb } from '../../src/background/db.ts';
import { memorySession } from '../../src/background/platform.ts';
import type { ConnectBackend } from '../../src/background/remote.ts';
import type { ConnectStep } from '../../src/shared/messages.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { CHEAP_KDF, clock } from './background/helpers.ts';

function fakeRecovery(fail?: string) {
  const seen: { address: string; shares: string[]; serviceUrl?: string }[] = [];
  const backend: ConnectBackend = {
    connect: async () => {
      throw new Error('unused');
    },
    create: async () => {
      throw new Error('unused');
    },
    async recover(req) {
      seen.push(req);
      if (fail) throw new MeshError('auth', fail);
      return { address: req.address, profileUdf: 'MREC-OVER', serviceUrl: req.serviceUrl, secrets: { device: 'recovered', admin: true } };
    },
  };
  return { backend, seen };
}

async function worker(name: string, session: ReturnType<typeof memorySession>, backend: ConnectBackend) {
  const bg = new Background({ db: await openVaultDb(name), session, clock: clock(), connect: backend, allowKdfOverride: true });
  await bg.start();
  const call = async (type: string, fields: object = {}) => {
    const r = await bg.handle({ ...fields, type } as never, { fromExtensionPage: true });
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };
  return { bg, call };
}

describe('recovery from shares in the worker', () => {
  it('gives the passphrase step with the account fingerprint; a restarted worker still has it; setup seals the recovered device', async () => {
    const name = `recover-${Math.random()}`;
    const session = memorySession();
    const f = fakeRecovery();
    const w1 = await worker(name, session, f.backend);
    const step = (await w1.call('recover-start', { address: 'ri@mesh.test', shares: ['S1', 'S3'], serviceUrl: 'http://127.0.0.1:1' })) as ConnectStep;
    expect(step).toEqual({ step: 'choose-passphrase', address: 'ri@mesh.test', profileUdf: 'MREC-OVER' });
    expect(f.seen).toEqual([{ address: 'ri@mesh.test', shares: ['S1', 'S3'], serviceUrl: 'http://127.0.0.1:1' }]);

    const w2 = await worker(name, session, fakeRecovery().backend);
    expect(await w2.call('connect-state')).toEqual({ step: 'choose-passphrase', address: 'ri@mesh.test', profileUdf: 'MREC-OVER' });
    expect(await w2.call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF })).toMatchObject({ phase: 'unlocked', account: { address: 'ri@mesh.test', profileUdf: 'MREC-OVER' } });
    expect(w2.bg.lock.current.secrets.mesh).toEqual({ device: 'recovered', admin: true });
    expect(await session.get('connectedDevice')).toBeUndefined();
    await expect(w2.call('recover-start', { address: 'ri@mesh.test', shares: ['S1', 'S2'] })).rejects.toThrow(/already connected/);
  });

  it('reports a failed recovery as a step with the reason, and nothing is kept', async () => {
    const session = memorySession();
    const w = await worker(`recover-${Math.random()}`, session, fakeRecovery('the service does not hold x@mesh.test for the account these shares restore').backend);
    const step = (await w.call('recover-start', { address: 'x@mesh.test', shares: ['A', 'B'] })) as ConnectStep;
    expect(step).toMatchObject({ step: 'failed', address: 'x@mesh.test', error: expect.stringMatching(/does not hold x@mesh\.test/) });
    expect(await session.get('connectedDevice')).toBeUndefined();
    expect(await w.call('status')).toMatchObject({ phase: 'new' });
  });
});
