// The worker's one IndexedDB schema. Secrets and entry plaintext are never stored in the clear: the
// device secrets are sealed under the passphrase key, everything else that holds entry data (pending
// edits, snapshots, conflicts) is sealed under the vault key they contain. Frames from the service are
// stored as received (DARE envelopes, encrypted to the store key).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { KdfParams } from '../shared/messages.ts';
import type { Sealed } from './local-crypto.ts';

export const DB_NAME = 'meshpass';
export const DB_VERSION = 1;

export interface DeviceRecord {
  kdf: KdfParams;
  salt: Uint8Array;
  /** DeviceSecrets sealed under the passphrase key, additional data 'device-secrets'. */
  secrets: Sealed;
  account?: { address: string; profileUdf?: string; serviceUrl?: string };
  created: number;
}

/** A confirmed frame (F2's ConfirmedFrame without its secret base seed, which is sealed per batch). */
export interface FrameRecord {
  store: string;
  /** Index of the frame, or of the first frame of a run. */
  index: number;
  /** One frame (records written before runs): its envelope. */
  envelope?: unknown;
  tree?: string;
  /** Frames `index`, `index + 1`, …: their envelopes as one JSON array text (one put, one cheap clone), and their tree digests. */
  run?: { envelopes: string; trees: string[] };
}

/** The base seeds of one committed batch of frames, sealed under the vault key. */
export interface SeedBatchRecord {
  key: string; // `${store}:${firstIndex padded}`
  store: string;
  sealed: Sealed;
}

export interface PendingRecord {
  id: string; // `${store}:${seq}`
  store: string;
  /** Position of this chunk in the store's queue. */
  seq: number;
  /** A chunk of F2's PendingEdit queue, sealed under the vault key (it holds entry plaintext). */
  sealed: Sealed;
}

export interface RestartRecord {
  /** Non-extractable AES-GCM key; only this browser profile can use it. */
  key: CryptoKey;
  /** The passphrase key sealed under `key`. */
  sealed: Sealed;
}

export interface VaultSchema extends DBSchema {
  device: { key: 'device'; value: DeviceRecord };
  frames: { key: [string, number]; value: FrameRecord; indexes: { byStore: string } };
  seeds: { key: string; value: SeedBatchRecord; indexes: { byStore: string } };
  pending: { key: string; value: PendingRecord; indexes: { byStore: string } };
  /** Sync state per store (`state:<store>`), settings, warnings, counters: nothing secret. */
  kv: { key: string; value: unknown };
  restart: { key: 'restart'; value: RestartRecord };
}

export type VaultDb = IDBPDatabase<VaultSchema>;

export function openVaultDb(name = DB_NAME): Promise<VaultDb> {
  return openDB<VaultSchema>(name, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore('device');
      db.createObjectStore('frames', { keyPath: ['store', 'index'] }).createIndex('byStore', 'store');
      db.createObjectStore('seeds', { keyPath: 'key' }).createIndex('byStore', 'store');
      db.createObjectStore('pending', { keyPath: 'id' }).createIndex('byStore', 'store');
      db.createObjectStore('kv');
      db.createObjectStore('restart');
    },
  });
}

export async function kvGet<T>(db: VaultDb, key: string): Promise<T | undefined> {
  return (await db.get('kv', key)) as T | undefined;
}

export async function kvSet(db: VaultDb, key: string, value: unknown): Promise<void> {
  await db.put('kv', value, key);
}

/** Removes every record (disconnect/wipe). */
export async function wipeAll(db: VaultDb): Promise<void> {
  const names = ['device', 'frames', 'seeds', 'pending', 'kv', 'restart'] as const;
  const tx = db.transaction([...names], 'readwrite');
  await Promise.all([...names.map((n) => tx.objectStore(n).clear()), tx.done]);
}
