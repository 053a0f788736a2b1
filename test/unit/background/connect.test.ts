import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { Background } from '../../../src/background/background.ts';
import { openVaultDb } from '../../../src/background/db.ts';
import { memorySession } from '../../../src/background/platform.ts';
import type { ConnectBackend } from '../../../src/background/remote.ts';
import type { ConnectStep } from '../../../src/shared/messages.ts';
import { CHEAP_KDF, clock } from './helpers.ts';

/** A connection that waits for approval until `approve()`; records the checkpoints it was given. */
function fakeConnect() {
  const seen: unknown[] = [];
  let approve!: () => void;
  const approved = new Promise<void>((r) => (approve = r));
  const backend: ConnectBackend = {
    async connect(req, progress, _signal, checkpoint) {
      seen.push(checkpoint.saved);
      if (!checkpoint.saved) await checkpoint.save({ device: 'seed-1' });
      progress({ step: 'awaiting-approval', address: req.address, witness: 'WITN-ESS1', profileUdf: 'MACC-OUNT' });
      await approved;
      return { address: req.address, profileUdf: 'MACC-OUNT', secrets: { device: 'seed-1', account: {} } };
    },
    create: async () => {
      throw new Error('unused');
    },
  };
  return { backend, seen, approve };
}

const wait = async (bg: Background, step: ConnectStep['step']) => {
  for (let i = 0; i < 100; i++) {
    const r = await bg.handle({ type: 'connect-state' }, { fromExtensionPage: true });
    if (r.ok && (r.value as ConnectStep).step === step) return r.value as ConnectStep;
    await new Promise((x) => setTimeout(x, 5));
  }
  throw new Error(`never reached ${step}`);
};

describe('connecting', () => {
  it('resumes a connection waiting for approval after the worker stopped, then seals the new device with the passphrase', async () => {
    const name = `connect-${Math.random()}`;
    const session = memorySession();
    const c1 = fakeConnect();
    const first = new Background({ db: await openVaultDb(name), session, clock: clock(), connect: c1.backend, allowKdfOverride: true });
    await first.start();
    await first.handle({ type: 'connect-start', address: 'al@mesh.test', pin: 'PIN' }, { fromExtensionPage: true });
    expect(await wait(first, 'awaiting-approval')).toMatchObject({ witness: 'WITN-ESS1', profileUdf: 'MACC-OUNT' });

    const c2 = fakeConnect();
    const second = new Background({ db: await openVaultDb(name), session, clock: clock(), connect: c2.backend, allowKdfOverride: true });
    await second.start();
    expect(await wait(second, 'awaiting-approval')).toMatchObject({ witness: 'WITN-ESS1' });
    expect(c2.seen).toEqual([{ device: 'seed-1' }]);
    c2.approve();
    await wait(second, 'choose-passphrase');
    const st = await second.handle({ type: 'setup', passphrase: 'correct horse', kdf: CHEAP_KDF }, { fromExtensionPage: true });
    expect(st).toMatchObject({ ok: true, value: { phase: 'unlocked', account: { address: 'al@mesh.test', profileUdf: 'MACC-OUNT' } } });
    expect(second.lock.current.secrets.mesh).toEqual({ device: 'seed-1', account: {} });
    expect(await session.get('connecting')).toBeUndefined();
    expect(await session.get('connectedDevice')).toBeUndefined();
  });
});
