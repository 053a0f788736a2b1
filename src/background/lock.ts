// Lock and unlock. The device secrets (the vault key and the Mesh device keys) are sealed under a key
// derived from the local passphrase (Argon2id). While unlocked, the passphrase key sits in session
// storage so a stopped worker comes back unlocked; it is gone after a browser restart unless the user
// chose "stay unlocked across restarts", which keeps it sealed under a non-extractable key in IndexedDB.
import { MeshError } from '../mesh/errors.ts';
import { fromBase64Url, randomBytes, toBase64Url } from '../mesh/bytes.ts';
import type { KdfParams } from '../shared/messages.ts';
import { kvGet, kvSet, type DeviceRecord, type VaultDb } from './db.ts';
import { derivePassphraseKey, importAesKey, open, openJson, seal, sealJson, FULL_KDF } from './local-crypto.ts';
import type { Clock, SessionStore } from './platform.ts';

export interface DeviceSecrets {
  v: 1;
  /** base64url of the 32-octet key that seals this device's local records. */
  vaultKey: string;
  /** The Mesh device's private state from the connection (F2's device module), when connected. */
  mesh?: unknown;
}

export interface Unlocked {
  secrets: DeviceSecrets;
  vaultKey: CryptoKey;
}

const SESSION_KEY = 'passphraseKey';
const ACTIVITY_KEY = 'lastActivity';
const FAILURES_KEY = 'unlockFailures';
const SECRETS_AAD = 'device-secrets';
const RESTART_AAD = 'restart-key';

interface Failures {
  count: number;
  last: number;
}

/** Delay before the next attempt after `count` consecutive failures: none for 2, then 1 s doubling, at most 5 min. */
export function retryDelayMs(count: number): number {
  if (count < 3) return 0;
  return Math.min(1000 * 2 ** (count - 3), 300_000);
}

export class LockError extends MeshError {
  constructor(readonly reason: 'wrong-passphrase' | 'too-soon' | 'no-device' | 'locked', message: string, readonly retryAfter?: number) {
    super('auth', message);
  }
}

export class LockManager {
  private unlocked: Unlocked | undefined;
  private progress: number | undefined;
  private lastTouch = 0;

  constructor(
    private readonly db: VaultDb,
    private readonly session: SessionStore,
    private readonly clock: Clock,
  ) {}

  get isUnlocked(): boolean {
    return this.unlocked !== undefined;
  }

  /** 0..1 while a KDF runs. */
  get unlockProgress(): number | undefined {
    return this.progress;
  }

  get current(): Unlocked {
    if (!this.unlocked) throw new LockError('locked', 'the vault is locked');
    return this.unlocked;
  }

  async device(): Promise<DeviceRecord | undefined> {
    return this.db.get('device', 'device');
  }

  async retryAfter(): Promise<number | undefined> {
    const f = await kvGet<Failures>(this.db, FAILURES_KEY);
    if (!f) return undefined;
    const at = f.last + retryDelayMs(f.count);
    return at > this.clock.now() ? at : undefined;
  }

  /** Creates the device's secrets under a new passphrase and unlocks. */
  async setup(passphrase: string, kdf: KdfParams = FULL_KDF, mesh?: unknown, account?: DeviceRecord['account']): Promise<Unlocked> {
    if (passphrase.length < 8) throw new MeshError('malformed', 'the passphrase needs at least 8 characters');
    const salt = randomBytes(16);
    const pk = await this.derive(passphrase, salt, kdf);
    const secrets: DeviceSecrets = { v: 1, vaultKey: toBase64Url(randomBytes(32)), ...(mesh === undefined ? {} : { mesh }) };
    const record: DeviceRecord = {
      kdf,
      salt,
      secrets: await sealJson(await importAesKey(pk), secrets, SECRETS_AAD),
      account,
      created: this.clock.now(),
    };
    await this.db.put('device', record, 'device');
    return this.finishUnlock(pk, secrets);
  }

  /** Replaces the Mesh part of the secrets (after connecting) without asking for the passphrase again. */
  async updateMesh(mesh: unknown, account?: DeviceRecord['account']): Promise<void> {
    const pkRaw = await this.session.get<string>(SESSION_KEY);
    const record = await this.device();
    if (!this.unlocked || !pkRaw || !record) throw new LockError('locked', 'the vault is locked');
    const secrets: DeviceSecrets = { ...this.unlocked.secrets, mesh };
    record.secrets = await sealJson(await importAesKey(fromBase64Url(pkRaw)), secrets, SECRETS_AAD);
    if (account) record.account = account;
    await this.db.put('device', record, 'device');
    this.unlocked = { ...this.unlocked, secrets };
  }

  async unlock(passphrase: string): Promise<Unlocked> {
    const record = await this.device();
    if (!record) throw new LockError('no-device', 'this browser has no vault yet');
    const wait = await this.retryAfter();
    if (wait !== undefined) throw new LockError('too-soon', 'too many wrong passphrases; wait before trying again', wait);
    const pk = await this.derive(passphrase, record.salt, record.kdf);
    let secrets: DeviceSecrets;
    try {
      secrets = await openJson<DeviceSecrets>(await importAesKey(pk), record.secrets, SECRETS_AAD);
    } catch {
      const prev = (await kvGet<Failures>(this.db, FAILURES_KEY)) ?? { count: 0, last: 0 };
      const next = { count: prev.count + 1, last: this.clock.now() };
      await kvSet(this.db, FAILURES_KEY, next);
      const delay = retryDelayMs(next.count);
      throw new LockError('wrong-passphrase', 'wrong passphrase', delay ? next.last + delay : undefined);
    }
    await this.db.delete('kv', FAILURES_KEY);
    return this.finishUnlock(pk, secrets);
  }

  /** On worker start: unlocked again if session storage (or the opt-in restart key) holds the passphrase key. */
  async restore(stayUnlocked: boolean): Promise<Unlocked | undefined> {
    if (this.unlocked) return this.unlocked;
    const record = await this.device();
    if (!record) return undefined;
    let pk: Uint8Array | undefined;
    const fromSession = await this.session.get<string>(SESSION_KEY);
    if (fromSession) pk = fromBase64Url(fromSession);
    else if (stayUnlocked) {
      const restart = await this.db.get('restart', 'restart');
      if (restart) {
        try {
          pk = await open(restart.key, restart.sealed, RESTART_AAD);
        } catch {
          await this.db.delete('restart', 'restart');
        }
      }
    }
    if (!pk) return undefined;
    try {
      const secrets = await openJson<DeviceSecrets>(await importAesKey(pk), record.secrets, SECRETS_AAD);
      return await this.finishUnlock(pk, secrets);
    } catch {
      await this.session.remove(SESSION_KEY);
      return undefined;
    }
  }

  async lock(): Promise<void> {
    this.unlocked = undefined;
    await this.session.remove(SESSION_KEY);
    await this.session.remove(ACTIVITY_KEY);
  }

  /** Records user activity (throttled to one write per 10 s). */
  async touch(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastTouch < 10_000) return;
    this.lastTouch = now;
    await this.session.set(ACTIVITY_KEY, now);
  }

  /** True when the idle time exceeds the auto-lock timeout (then the caller locks). */
  async idleExpired(minutes: number | 'never'): Promise<boolean> {
    if (minutes === 'never' || !this.unlocked) return false;
    const last = (await this.session.get<number>(ACTIVITY_KEY)) ?? this.lastTouch;
    return this.clock.now() - last >= minutes * 60_000;
  }

  /** Keeps (or drops) the passphrase key sealed under a non-extractable key for restarts. */
  async setStayUnlocked(on: boolean): Promise<void> {
    if (!on) return void (await this.db.delete('restart', 'restart'));
    const pkRaw = await this.session.get<string>(SESSION_KEY);
    if (!pkRaw) return;
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await this.db.put('restart', { key, sealed: await seal(key, fromBase64Url(pkRaw), RESTART_AAD) }, 'restart');
  }

  private async derive(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<Uint8Array> {
    this.progress = 0;
    try {
      return await derivePassphraseKey(passphrase, salt, kdf, (p) => (this.progress = p));
    } finally {
      this.progress = undefined;
    }
  }

  private async finishUnlock(pk: Uint8Array, secrets: DeviceSecrets): Promise<Unlocked> {
    await this.session.set(SESSION_KEY, toBase64Url(pk));
    this.lastTouch = this.clock.now();
    await this.session.set(ACTIVITY_KEY, this.lastTouch);
    const vaultKey = await importAesKey(fromBase64Url(secrets.vaultKey));
    this.unlocked = { secrets, vaultKey };
    return this.unlocked;
  }
}
