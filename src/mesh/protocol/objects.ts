// Reading the signed Mesh objects the protocol checks: self-signed profiles (ProfileUser,
// ProfileDevice, ProfileService), objects signed by a known key (ConnectionService,
// AccountHostAssignment), and KeyData. Used by the service and by the client (Hello).
import { equal, fromBase64Url } from '../bytes.ts';
import { MeshError } from '../errors.ts';
import { envelopeFromJson, envelopeToJson, isPlainObject, parseJsonText, type DareEnvelope } from '../dare/model.ts';
import { verifyEnvelopeSignatures, checkPayloadDigest } from '../dare/envelope.ts';
import { embeddedKey, type VerificationKey } from '../dare/signature.ts';
import { parsePublicKeyObject } from '../dare/recipients.ts';
import type { DareSignature } from '../dare/model.ts';
import { keyFingerprint, keyFingerprintBytes, profileUdf, profileUdfBytes } from './fingerprints.ts';
import type { EnvelopeJson } from './messages.ts';

export interface PublicKey {
  crv: string;
  public: Uint8Array;
}

/** Reads KeyData `{Udf?, PublicParameters: {PublicKeyECDH…}}` or a bare key object. */
export function readKeyData(v: unknown): PublicKey {
  const inner = isPlainObject(v) && 'PublicParameters' in v ? v.PublicParameters : v;
  const k = parsePublicKeyObject(inner);
  return { crv: k.crv, public: k.public };
}

export const fingerprintOf = (k: PublicKey): string => keyFingerprint(k.crv, k.public);

export interface OpenedObject {
  env: DareEnvelope;
  /** The tag of the tagged payload, e.g. "ProfileUser". */
  tag: string;
  fields: Record<string, unknown>;
  payloadDigest: Uint8Array;
}

/** Parses an unencrypted envelope whose body is a tagged JSON object. */
export function readObject(json: unknown, expectTag?: string): OpenedObject {
  const env = envelopeFromJson(json);
  if (env.header.enc !== undefined && env.header.enc !== 'none') throw new MeshError('malformed', 'expected an unencrypted envelope');
  const payloadDigest = checkPayloadDigest(env);
  const value = parseJsonText(env.body);
  if (!isPlainObject(value) || Object.keys(value).length !== 1) throw new MeshError('malformed', 'payload must be a tagged object');
  const [tag] = Object.keys(value);
  const fields = value[tag];
  if (!isPlainObject(fields)) throw new MeshError('malformed', `${tag} must be an object`);
  if (expectTag && tag !== expectTag) throw new MeshError('malformed', `expected ${expectTag}, got ${tag}`);
  return { env, tag, fields, payloadDigest };
}

function signatures(env: DareEnvelope): DareSignature[] {
  const s = env.trailer?.signatures ?? env.header.signatures;
  return Array.isArray(s) ? (s as DareSignature[]) : [];
}

export interface Profile extends OpenedObject {
  udf: string;
  udfBytes: Uint8Array;
  rootUdfs: Uint8Array[];
}

/**
 * Verifies a self-signed profile (protocol.md §4.2 step 1): a signature whose SignatureKey
 * fingerprints to its kid, is listed in RootUdfs, and verifies.
 */
export function readProfile(json: unknown, expectTag?: string, opts: { verify?: boolean } = {}): Profile {
  const obj = readObject(json, expectTag);
  const roots = obj.fields.RootUdfs;
  if (!Array.isArray(roots) || roots.length === 0 || roots.length > 16 || !roots.every((r) => typeof r === 'string')) {
    throw new MeshError('malformed', 'profile has no RootUdfs');
  }
  const rootUdfs = roots.map((r) => fromBase64Url(r as string));
  // verify: false only for a profile this party verified before and kept on its own disk.
  if (opts.verify === false) return { ...obj, udf: profileUdf(rootUdfs), udfBytes: profileUdfBytes(rootUdfs), rootUdfs };
  let verified = false;
  const sigs = signatures(obj.env);
  for (const sig of sigs) {
    const key = sig.SignatureKey === undefined ? undefined : embeddedKey(sig);
    if (!key) continue;
    const fp = keyFingerprintBytes(key.crv, key.public);
    if (keyFingerprint(key.crv, key.public) !== sig.kid) continue;
    if (!rootUdfs.some((r) => equal(r, fp))) continue;
    const results = verifyEnvelopeSignatures(obj.env, (kid) => (kid === sig.kid ? key : undefined));
    if (results.some((r) => r.valid === false)) throw new MeshError('signature', 'profile signature does not verify');
    if (results.some((r) => r.valid === true)) verified = true;
  }
  if (!verified) throw new MeshError('signature', 'profile is not signed by one of its root keys');
  return { ...obj, udf: profileUdf(rootUdfs), udfBytes: profileUdfBytes(rootUdfs), rootUdfs };
}

/** Verifies that `json` is signed by `key` (by fingerprint); returns the object. */
export function readSignedBy(json: unknown, key: PublicKey, expectTag?: string): OpenedObject {
  const obj = readObject(json, expectTag);
  const kid = fingerprintOf(key);
  const vk: VerificationKey = { crv: key.crv as VerificationKey['crv'], public: key.public };
  const results = verifyEnvelopeSignatures(obj.env, (k) => (k === kid ? vk : undefined));
  if (!results.some((r) => r.valid === true) || results.some((r) => r.valid === false)) throw new MeshError('signature', `${obj.tag} is not signed by ${kid}`);
  return obj;
}

/** Whether an envelope (any content, encrypted or not) carries a valid signature by `key`. */
export function signedBy(env: DareEnvelope, key: PublicKey): boolean {
  const kid = fingerprintOf(key);
  const vk: VerificationKey = { crv: key.crv as VerificationKey['crv'], public: key.public };
  try {
    const results = verifyEnvelopeSignatures(env, (k) => (k === kid ? vk : undefined));
    return results.some((r) => r.valid === true) && !results.some((r) => r.valid === false);
  } catch {
    return false;
  }
}

export const toEnvelopeJson = (env: DareEnvelope): EnvelopeJson => envelopeToJson(env) as EnvelopeJson;
