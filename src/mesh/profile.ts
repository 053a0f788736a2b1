// Mesh profiles (connect.md §1-2): the device profile (ProfileDevice) and the account profile
// (ProfileUser), their keys derived from secret seeds by name, and the JSON-safe key records a
// device keeps. Profiles are self-signed with their root key (SignatureKey included, decision 12).
import { MeshError } from './errors.ts';
import { fromBase64Url, toBase64Url, utf8 } from './bytes.ts';
import { agree, keyId, keyUdfBytes, privateKey, publicKeyOf, sign, type Curve, type KeyPair, type PrivateKey } from './keys.ts';
import { deriveKeyPair, generateKeySeed, parseKeySeed, presentKeySeed, SeedSpecifier, type KeySeed } from './keyderive.ts';
import { createEnvelope } from './dare/envelope.ts';
import type { DecryptionKey, RecipientKey } from './dare/recipients.ts';
import type { Signer, VerificationKey } from './dare/signature.ts';
import { readKeyData, readProfile, toEnvelopeJson, type Profile } from './protocol/objects.ts';
import type { EnvelopeJson } from './protocol/messages.ts';

// ------------------------------------------------------------------ key records

/** A key as a device stores it: JSON-safe, private part base64url (the JSON `Private` form). */
export interface KeyRecord {
  crv: Curve;
  /** base64url private key; absent for a public-only record. */
  private?: string;
  /** base64url Mesh public form (X448 57 octets, Ed448 57). */
  public: string;
  /** Key fingerprint (udf.md §6, 2023 profile). */
  kid: string;
  /** A combined device key: `private` is a bare scalar (connect.md §2.3). */
  combined?: boolean;
}

export function keyRecord(pair: KeyPair | PrivateKey): KeyRecord {
  const priv = 'privateKey' in pair ? pair.privateKey : pair;
  const pub = 'publicKey' in pair ? pair.publicKey : publicKeyOf(priv);
  const rec: KeyRecord = { crv: priv.crv, private: toBase64Url(priv.secret), public: toBase64Url(pub), kid: keyId(priv.crv, pub) };
  if (priv.combined) rec.combined = true;
  return rec;
}

export function publicRecord(crv: Curve, pub: Uint8Array): KeyRecord {
  return { crv, public: toBase64Url(pub), kid: keyId(crv, pub) };
}

export function privateOf(rec: KeyRecord): PrivateKey {
  if (!rec.private) throw new MeshError('decrypt', `no private key for ${rec.kid}`);
  return privateKey(rec.crv, fromBase64Url(rec.private), { combined: rec.combined });
}

export const publicOf = (rec: KeyRecord): Uint8Array => fromBase64Url(rec.public);

/** A DARE signer (2023 scheme); with `embedKey` the signature carries SignatureKey (profiles). */
export function signerOf(rec: KeyRecord, embedKey = false): Signer {
  const priv = privateOf(rec);
  if (rec.crv !== 'Ed448' && rec.crv !== 'Ed25519') throw new MeshError('unsupported', `${rec.crv} keys cannot sign`);
  return { kid: rec.kid, crv: rec.crv, signDigest: (d) => sign(priv, d, 'ctx'), ...(embedKey ? { publicKey: publicOf(rec) } : {}) };
}

export function decrypterOf(rec: KeyRecord): DecryptionKey {
  const priv = privateOf(rec);
  return { kid: rec.kid, crv: rec.crv, agree: (epk) => agree(priv, epk) };
}

export const recipientOf = (rec: KeyRecord): RecipientKey => ({ kid: rec.kid, crv: rec.crv, public: publicOf(rec) });
export const verifierOf = (rec: KeyRecord): VerificationKey & { kid: string } => ({ kid: rec.kid, crv: rec.crv, public: publicOf(rec) });

/** KeyData (catalogs.md §3): `{Udf, PublicParameters: {PublicKeyECDH}}`, with private parameters on request. */
export function keyData(rec: KeyRecord, withPrivate = false): Record<string, unknown> {
  const out: Record<string, unknown> = { Udf: rec.kid, PublicParameters: { PublicKeyECDH: { crv: rec.crv, Public: rec.public } } };
  if (withPrivate) {
    if (!rec.private) throw new MeshError('decrypt', `no private key for ${rec.kid}`);
    out.PrivateParameters = { PrivateKeyECDH: { crv: rec.crv, Private: rec.private } };
  }
  return out;
}

/** Reads KeyData; private parameters when present. */
export function readKeyRecord(v: unknown): KeyRecord {
  const pub = readKeyData(v);
  const rec = publicRecord(pub.crv as Curve, pub.public);
  const priv = (v as { PrivateParameters?: { PrivateKeyECDH?: { crv?: string; Private?: unknown } } } | null)?.PrivateParameters?.PrivateKeyECDH;
  if (priv && typeof priv.Private === 'string') {
    if (priv.crv !== rec.crv) throw new MeshError('malformed', 'KeyData private and public curves differ');
    const p = privateKey(rec.crv, fromBase64Url(priv.Private));
    if (toBase64Url(publicKeyOf(p)) !== rec.public) throw new MeshError('integrity', `private key does not match public key ${rec.kid}`);
    rec.private = priv.Private;
  }
  return rec;
}

// ------------------------------------------------------------------ device profile

export interface DeviceKeys {
  profile: KeyRecord;
  encrypt: KeyRecord;
  sign: KeyRecord;
  authenticate: KeyRecord;
}

export function deviceKeysFromSeed(seed: string | KeySeed): DeviceKeys {
  const s = typeof seed === 'string' ? parseKeySeed(seed) : seed;
  return {
    profile: keyRecord(deriveKeyPair(s, 'BaseDeviceProfile', 'Ed448')),
    encrypt: keyRecord(deriveKeyPair(s, 'BaseDeviceEncrypt', 'X448')),
    sign: keyRecord(deriveKeyPair(s, 'BaseDeviceSign', 'Ed448')),
    authenticate: keyRecord(deriveKeyPair(s, 'BaseDeviceAuthenticate', 'X448')),
  };
}

export interface DeviceProfile {
  seed: string;
  envelope: EnvelopeJson;
  udf: string;
  keys: DeviceKeys;
}

async function selfSigned(tag: string, fields: Record<string, unknown>, root: KeyRecord): Promise<EnvelopeJson> {
  const env = await createEnvelope(utf8(JSON.stringify({ [tag]: fields })), {
    signers: [signerOf(root, true)],
    contentMeta: { MessageType: tag, Created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
  });
  return toEnvelopeJson(env);
}

/** A fresh device: seed, keys and signed ProfileDevice. */
export async function createDeviceProfile(opts: { description?: string; seed?: string } = {}): Promise<DeviceProfile> {
  const seed = opts.seed ?? presentKeySeed(generateKeySeed(SeedSpecifier.DeviceProfile));
  const keys = deviceKeysFromSeed(seed);
  const fields: Record<string, unknown> = {
    RootUdfs: [toBase64Url(keyUdfBytes('Ed448', publicOf(keys.profile)))],
    Encryption: keyData(keys.encrypt),
    Signature: keyData(keys.sign),
    Authentication: keyData(keys.authenticate),
  };
  if (opts.description) fields.Description = opts.description;
  const envelope = await selfSigned('ProfileDevice', fields, keys.profile);
  return { seed, envelope, udf: readProfile(envelope, 'ProfileDevice').udf, keys };
}

export interface ProfileDeviceView {
  profile: Profile;
  udf: string;
  encryption: KeyRecord;
  signature: KeyRecord;
  authentication: KeyRecord;
  description?: string;
}

/** Verifies a ProfileDevice (self-signed by a root key) and reads its public keys. */
export function readProfileDevice(env: unknown): ProfileDeviceView {
  const profile = readProfile(env, 'ProfileDevice');
  const f = profile.fields;
  return {
    profile,
    udf: profile.udf,
    encryption: readKeyRecord(f.Encryption),
    signature: readKeyRecord(f.Signature),
    authentication: readKeyRecord(f.Authentication),
    description: typeof f.Description === 'string' ? f.Description : undefined,
  };
}

// ------------------------------------------------------------------ account profile

export interface AccountKeys {
  profile: KeyRecord;
  adminSign: KeyRecord;
  encrypt: KeyRecord;
  authenticate: KeyRecord;
  sign: KeyRecord;
  escrow: KeyRecord;
}

export function newAccountSeed(): string {
  return presentKeySeed(generateKeySeed(SeedSpecifier.AccountProfile));
}

export function accountKeysFromSeed(seed: string | KeySeed): AccountKeys {
  const s = typeof seed === 'string' ? parseKeySeed(seed) : seed;
  return {
    profile: keyRecord(deriveKeyPair(s, 'CompleteAccountProfile', 'Ed448')),
    adminSign: keyRecord(deriveKeyPair(s, 'CompleteAccountAdminSign', 'Ed448')),
    encrypt: keyRecord(deriveKeyPair(s, 'CompleteAccountEncrypt', 'X448')),
    authenticate: keyRecord(deriveKeyPair(s, 'CompleteAccountAuthenticate', 'X448')),
    sign: keyRecord(deriveKeyPair(s, 'CompleteAccountSign', 'Ed448')),
    escrow: keyRecord(deriveKeyPair(s, 'CompleteAccountEscrow', 'X448')),
  };
}

/** The key pair of store `store` (catalogs.md §7.1). */
export function storeKeyFromSeed(seed: string | KeySeed, store: string): KeyRecord {
  return keyRecord(deriveKeyPair(typeof seed === 'string' ? parseKeySeed(seed) : seed, 'CompleteAccountEncrypt' + store, 'X448'));
}

/** The signed ProfileUser of an account. */
export async function createAccountProfile(seed: string, address: string, opts: { serviceUdf?: string; description?: string } = {}): Promise<{ envelope: EnvelopeJson; udf: string }> {
  const k = accountKeysFromSeed(seed);
  const fields: Record<string, unknown> = {
    RootUdfs: [toBase64Url(keyUdfBytes('Ed448', publicOf(k.profile)))],
    AccountAddress: address,
  };
  if (opts.serviceUdf) fields.ServiceUdf = opts.serviceUdf;
  Object.assign(fields, {
    EscrowEncryption: keyData(k.escrow),
    AdministratorSignature: keyData(k.adminSign),
    CommonEncryption: keyData(k.encrypt),
    CommonAuthentication: keyData(k.authenticate),
    CommonSignature: keyData(k.sign),
  });
  if (opts.description) fields.Description = opts.description;
  const envelope = await selfSigned('ProfileUser', fields, k.profile);
  return { envelope, udf: readProfile(envelope, 'ProfileUser').udf };
}

export interface ProfileUserView {
  profile: Profile;
  udf: string;
  udfBytes: Uint8Array;
  address?: string;
  adminSignature: KeyRecord;
  commonSignature: KeyRecord;
  commonEncryption: KeyRecord;
  commonAuthentication: KeyRecord;
}

/** Verifies a ProfileUser (self-signed by a root key) and reads its public keys. */
export function readProfileUser(env: unknown): ProfileUserView {
  const profile = readProfile(env, 'ProfileUser');
  const f = profile.fields;
  return {
    profile,
    udf: profile.udf,
    udfBytes: profile.udfBytes,
    address: typeof f.AccountAddress === 'string' ? f.AccountAddress : undefined,
    adminSignature: readKeyRecord(f.AdministratorSignature),
    commonSignature: readKeyRecord(f.CommonSignature),
    commonEncryption: readKeyRecord(f.CommonEncryption),
    commonAuthentication: readKeyRecord(f.CommonAuthentication),
  };
}
