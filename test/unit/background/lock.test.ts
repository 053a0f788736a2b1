import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { openVaultDb } from '../../../src/background/db.ts';
import { LockManager, retryDelayMs } from '../../../src/background/lock.ts';
import { FULL_KDF } from '../../../src/background/local-crypto.ts';
import { memorySession } from '../../../src/background/platform.ts';
import { CHEAP_KDF, clock } from './helpers.ts';

const fresh = async () => {
  const db = await openVaultDb(`lock-${Math.random()}`);
  const session = memorySession();
  const c = clock();
  return { db, session, c, lock: new LockManager(db, session, c) };
};

describe('LockManager', () => {
  it('ships the full Argon2id cost (64 MiB, 3 passes, 1 lane)', () => {
    expect(FULL_KDF).toEqual({ m: 65536, t: 3, p: 1 });
  });

  it('unlocks with the right passphrase and keeps the vault key stable', async () => {
    const { db, session, c, lock } = await fresh();
    const a = await lock.setup('correct horse', CHEAP_KDF);
    await lock.lock();
    expect(lock.isUnlocked).toBe(false);
    const b = await new LockManager(db, session, c).unlock('correct horse');
    expect(b.secrets.vaultKey).toBe(a.secrets.vaultKey);
  });

  it('stores no secret in the clear', async () => {
    const { db, lock } = await fresh();
    const u = await lock.setup('correct horse', CHEAP_KDF);
    const rec = await db.get('device', 'device');
    expect(JSON.stringify(rec)).not.toContain(u.secrets.vaultKey);
  });

  it('rejects a wrong passphrase and delays after repeated failures', async () => {
    const { lock, c } = await fresh();
    await lock.setup('correct horse', CHEAP_KDF);
    await lock.lock();
    await expect(lock.unlock('nope')).rejects.toMatchObject({ reason: 'wrong-passphrase' });
    await expect(lock.unlock('nope')).rejects.toMatchObject({ reason: 'wrong-passphrase' });
    await expect(lock.unlock('nope')).rejects.toMatchObject({ reason: 'wrong-passphrase', retryAfter: c.t + 1000 });
    await expect(lock.unlock('correct horse')).rejects.toMatchObject({ reason: 'too-soon' });
    c.t += 1000;
    await expect(lock.unlock('correct horse')).resolves.toBeDefined();
    expect(await lock.retryAfter()).toBeUndefined();
    expect([retryDelayMs(2), retryDelayMs(3), retryDelayMs(4), retryDelayMs(40)]).toEqual([0, 1000, 2000, 300000]);
  });

  it('survives a worker restart through session storage, not a browser restart', async () => {
    const { db, session, c, lock } = await fresh();
    await lock.setup('correct horse', CHEAP_KDF);
    const restarted = new LockManager(db, session, c);
    expect(await restarted.restore(false)).toBeDefined();
    const browserRestart = new LockManager(db, memorySession(), c);
    expect(await browserRestart.restore(false)).toBeUndefined();
  });

  it('stays unlocked across a browser restart only when opted in', async () => {
    const { db, session, c, lock } = await fresh();
    await lock.setup('correct horse', CHEAP_KDF);
    await lock.setStayUnlocked(true);
    expect(await new LockManager(db, memorySession(), c).restore(true)).toBeDefined();
    expect(await new LockManager(db, memorySession(), c).restore(false)).toBeUndefined();
    await lock.setStayUnlocked(false);
    expect(await new LockManager(db, memorySession(), c).restore(true)).toBeUndefined();
    void session;
  });

  it('detects a tampered device record', async () => {
    const { db, lock } = await fresh();
    await lock.setup('correct horse', CHEAP_KDF);
    await lock.lock();
    const rec = (await db.get('device', 'device'))!;
    rec.secrets.ct[3] ^= 1;
    await db.put('device', rec, 'device');
    await expect(lock.unlock('correct horse')).rejects.toMatchObject({ reason: 'wrong-passphrase' });
  });

  it('expires after the idle timeout, never with "never"', async () => {
    const { lock, c } = await fresh();
    await lock.setup('correct horse', CHEAP_KDF);
    c.t += 14 * 60_000;
    expect(await lock.idleExpired(15)).toBe(false);
    c.t += 60_000;
    expect(await lock.idleExpired(15)).toBe(true);
    expect(await lock.idleExpired('never')).toBe(false);
  });
});
