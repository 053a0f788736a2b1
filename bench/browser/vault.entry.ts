// Vault figures measured inside the MeshPass service worker (bench/vault.bench.ts): the passphrase KDF at
// the shipped cost, unlock-to-ready with N credentials (the worker-restart path: the passphrase key comes
// from session storage, so no KDF), worker heap with N unlocked, and one search over N.
import { Background } from '../../src/background/background.ts';
import { openVaultDb } from '../../src/background/db.ts';
import { derivePassphraseKey, FULL_KDF } from '../../src/background/local-crypto.ts';
import { memorySession } from '../../src/background/platform.ts';

const heap = (): number | undefined => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;

export async function kdfMs(): Promise<number> {
  const t = performance.now();
  await derivePassphraseKey('correct horse battery', new Uint8Array(16).fill(1), FULL_KDF);
  return performance.now() - t;
}

const session = memorySession();
let dbName = '';
let kept: Background | undefined;

/** Creates a vault with n credentials (pending local edits, as after an import). */
export async function prepare(n: number): Promise<number> {
  dbName = `meshpass-bench-${Date.now()}`;
  const db = await openVaultDb(dbName);
  const bg = new Background({ db, session, clock: { now: () => Date.now() }, allowKdfOverride: true });
  await bg.start();
  const s = await bg.handle({ type: 'setup', passphrase: 'correct horse battery', kdf: { m: 256, t: 1, p: 1 } }, { fromExtensionPage: true });
  if (!s.ok) throw new Error(s.message);
  const adds = Array.from({ length: n }, (_, i) => ({
    site: `https://accounts.site-${i}.example.com/login`,
    username: `user.${i}@example.org`,
    password: `Pw-${i}-xK9#mQ2$vL7!zR4`,
    title: `Site ${i}`,
  }));
  const r = await bg.handle({ type: 'import-batch', adds, updates: [] }, { fromExtensionPage: true });
  if (!r.ok) throw new Error(r.message);
  db.close();
  return n;
}

/** A new worker instance opening the vault: IndexedDB read, unsealing, replay, search index. */
export async function unlockReady(): Promise<{ ms: number; heapBytes?: number; total: number }> {
  kept = undefined;
  const before = heap();
  const t = performance.now();
  const db = await openVaultDb(dbName);
  const bg = new Background({ db, session, clock: { now: () => Date.now() } });
  await bg.start();
  const r = await bg.handle({ type: 'search', query: '', limit: 50 }, { fromExtensionPage: true });
  const ms = performance.now() - t;
  if (!r.ok) throw new Error(r.message);
  kept = bg;
  const after = heap();
  return { ms, heapBytes: before !== undefined && after !== undefined ? after - before : undefined, total: (r.value as { total: number }).total };
}

/** Median time of one search request handled by the worker over the open vault. */
export async function searchMs(queries: string[]): Promise<number> {
  if (!kept) throw new Error('call unlockReady first');
  const times: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    await kept.handle({ type: 'search', query, limit: 50 }, { fromExtensionPage: true });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Absolute JS heap of the worker (Chromium's coarse performance.memory). */
export function heapNow(): number | undefined {
  return heap();
}
