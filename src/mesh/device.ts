// The serializable state of a Mesh device (defined once; the CLI stores it as JSON in its home,
// the extension wraps it under the unlock passphrase in IndexedDB), and what is derived from it:
// the protocol credential and the per-store keys the sync engine uses.
import { MeshError } from './errors.ts';
import { keysByKid } from './dare/signature.ts';
import { MeshClient, type ClientCredential, type MeshClientOptions } from './client.ts';
import { agree } from './keys.ts';
import type { EnvelopeJson } from './protocol/messages.ts';
import { decrypterOf, privateOf, recipientOf, signerOf, verifierOf, type KeyRecord } from './profile.ts';
import type { SyncStoreKeys } from './sync.ts';

export const DEVICE_STATE_VERSION = 1;

/** Stores whose entries only an administrator writes (AdministratorSignature, decision 9). */
export const ADMIN_STORES = ['Access', 'Device'] as const;
/** Catalogs synced by a device with the "web" role. */
export const WEB_STORES = ['Credential', 'Bookmark'] as const;

export interface AccountBinding {
  address: string;
  /** Explicit service URL (else discovered from the address). */
  serviceUrl?: string;
  /** The account profile UDF the user confirmed (connect.md §8). */
  accountUdf: string;
  /** The pinned service profile UDF. */
  serviceUdf?: string;
  /** The verified ProfileUser envelope. */
  profileUser: EnvelopeJson;
  /** Admin-signed ConnectionService: the device's credential. */
  connectionService: EnvelopeJson;
  /** Digest of the CatalogedDevice last received (sent back in Status). */
  catalogedDeviceDigest?: string;
  roles: string[];
  keys: {
    /** Combined keys (connect.md §2.3). */
    authentication: KeyRecord;
    encryption: KeyRecord;
    signature: KeyRecord;
    /** Account keys granted (web role: all three; admin: also AdministratorSignature). */
    commonSignature?: KeyRecord;
    commonEncryption?: KeyRecord;
    commonAuthentication?: KeyRecord;
    adminSignature: KeyRecord;
    /** Store private keys by store name. */
    stores: Record<string, KeyRecord>;
  };
  /** Service key the Access catalog is also encrypted to (administrators). */
  accessEncrypt?: KeyRecord;
}

export interface DeviceState {
  version: number;
  device: {
    /** The device profile seed (udf.md §9.1): the device's root secret. */
    seed: string;
    /** Signed ProfileDevice. */
    profile: EnvelopeJson;
    udf: string;
    description?: string;
  };
  /** Administrator devices only: the account profile secret seed (escrowed with `recovery.ts`). */
  admin?: { accountSeed: string };
  /** Present once connected to an account. */
  account?: AccountBinding;
}

export function requireAccount(state: DeviceState): AccountBinding {
  if (!state.account) throw new MeshError('not-found', 'this device is not connected to an account');
  return state.account;
}

/** Protocol credential of a connected device: its ConnectionService and combined authentication key. */
export function deviceCredential(state: DeviceState): ClientCredential {
  const a = requireAccount(state);
  return credentialOf(a.connectionService, a.keys.authentication);
}

/** A protocol credential over any X448 key record (ordinary keys are clamped at use, combined ones not). */
export function credentialOf(envelope: EnvelopeJson, key: KeyRecord): ClientCredential {
  const priv = privateOf(key);
  return { envelope, kid: key.kid, agree: (pub) => agree(priv, pub) };
}

export function deviceClient(state: DeviceState, opts: Partial<MeshClientOptions> = {}): MeshClient {
  const a = requireAccount(state);
  return new MeshClient({ accountAddress: a.address, serviceUrl: a.serviceUrl, credential: deviceCredential(state), pinnedServiceUdf: a.serviceUdf, ...opts });
}

/** The stores this device holds keys for, among those MeshPass syncs. */
export function syncedStores(state: DeviceState): string[] {
  const a = requireAccount(state);
  return [...WEB_STORES, ...ADMIN_STORES].filter((s) => a.keys.stores[s]);
}

/**
 * Keys for the sync engine: read = the store key (+ the account encryption key, catalogs.md §7.2)
 * and the accepted signers; write = the store public key and the device's signing key.
 * Access and Device accept and need AdministratorSignature only.
 */
export function storeKeys(state: DeviceState, store: string): SyncStoreKeys {
  const a = requireAccount(state);
  const sk = a.keys.stores[store];
  if (!sk) throw new MeshError('decrypt', `this device holds no key for store ${store}`);
  const adminOnly = (ADMIN_STORES as readonly string[]).includes(store);
  const decrypt = [decrypterOf(sk)];
  if (a.keys.commonEncryption?.private) decrypt.push(decrypterOf(a.keys.commonEncryption));
  const signerKeys = adminOnly ? [verifierOf(a.keys.adminSignature)] : [verifierOf(a.keys.adminSignature), ...(a.keys.commonSignature ? [verifierOf(a.keys.commonSignature)] : [])];
  const writeKey = adminOnly ? a.keys.adminSignature : a.keys.commonSignature?.private ? a.keys.commonSignature : a.keys.adminSignature;
  const keys: SyncStoreKeys = { read: { decrypt, signers: keysByKid(signerKeys) } };
  if (writeKey.private) {
    keys.write = { recipient: recipientOf(sk), signer: signerOf(writeKey) };
    if (store === 'Access') {
      if (!a.accessEncrypt) throw new MeshError('not-found', 'the service Access key is unknown to this device');
      keys.write.extraRecipients = [recipientOf(a.accessEncrypt)];
    }
  }
  return keys;
}

export const serializeDeviceState = (s: DeviceState): string => JSON.stringify(s, null, 1);

export function parseDeviceState(text: string): DeviceState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MeshError('malformed', 'device state is not valid JSON');
  }
  const s = v as DeviceState;
  if (!s || typeof s !== 'object' || s.version !== DEVICE_STATE_VERSION || !s.device?.seed || !Array.isArray(s.device.profile)) {
    throw new MeshError('malformed', 'not a MeshPass device state (or an unsupported version)');
  }
  return s;
}
export type { StoreSyncState, ConfirmedFrame, PendingEdit } from './sync-local.ts';
