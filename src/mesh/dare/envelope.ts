// Building and opening DARE envelopes: plaintext, encrypted (several recipients), signed,
// signed and encrypted; annotations (EDS) and content metadata (dare.md §4-5, §8).
import { MeshError } from '../errors.ts';
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from '../bytes.ts';
import { sha512Of } from './primitives.ts';
import { aes256CbcDecrypt, aes256CbcEncrypt } from './aes.ts';
import { annotationSalt, BASE_SEED_BYTES, payloadKeys, payloadKeysFromPrk, payloadPrk, SALT_BYTES, KEK_INFO_EMPTY } from './keyschedule.ts';
import { unwrapBaseSeed, wrapForRecipient, type DecryptionKey, type RecipientKey } from './recipients.ts';
import { checkWitness2023, checkWitness2024, DIGEST_ALG, embeddedKey, makeSignature, manifest2024, schemeOf, verifySignature, type KeyLookup, type Signer } from './signature.ts';
import { decodeEds, encodeEds } from './eds.ts';
import { bytesField, contentMeta, headerDigestOf, trailerBytes, trailerField, type DareEnvelope, type DareHeader, type DareSignature, type DareTrailer } from './model.ts';

export const ENC_ALG = 'A256CBC';

export interface CreateOptions {
  /** Encrypt to these keys (one recipient block each). */
  recipients?: RecipientKey[];
  /** Encrypt under an existing key exchange (sequence frames): no recipient blocks are written. */
  baseSeed?: Uint8Array;
  /** Sign with these keys (2023 scheme). */
  signers?: Signer[];
  /** Write `dig` and `PayloadDigest` even when unsigned. */
  digest?: boolean;
  annotations?: Uint8Array[];
  /** ContentMetaData: an object (written as compact UTF-8 JSON) or raw octets. */
  contentMeta?: Record<string, unknown> | Uint8Array;
  /** Further header fields (EnvelopeId, SequenceInfo, policy, …), written after the standard ones. */
  header?: DareHeader;
  /** Fixed salt (tests, vectors); random otherwise. */
  salt?: Uint8Array;
  /** KEK info label; MeshPass writes empty (the default). */
  kekInfo?: Uint8Array;
  /** Add the trailer `HeaderDigest` binding the header (MeshPass writers set it). */
  bindHeader?: boolean;
}

/** Creates an envelope around `payload`. */
export async function createEnvelope(payload: Uint8Array, opts: CreateOptions = {}): Promise<DareEnvelope> {
  const encrypt = (opts.recipients && opts.recipients.length > 0) || opts.baseSeed !== undefined;
  const header: DareHeader = {};
  let body = payload;
  let seed: { baseSeed: Uint8Array; salt: Uint8Array } | undefined;
  if (encrypt) {
    const baseSeed = opts.baseSeed ?? randomBytes(BASE_SEED_BYTES);
    const salt = opts.salt ?? randomBytes(SALT_BYTES);
    seed = { baseSeed, salt };
    header.enc = ENC_ALG;
    const { key, iv } = payloadKeys(baseSeed, salt);
    body = aes256CbcEncrypt(key, iv, payload);
    header.Salt = toBase64Url(salt);
    if (opts.recipients?.length) {
      header.recipients = await Promise.all(opts.recipients.map((r) => wrapForRecipient(baseSeed, r, opts.kekInfo ?? KEK_INFO_EMPTY)));
    }
  }
  const signed = (opts.signers?.length ?? 0) > 0;
  if (signed || opts.digest) header.dig = DIGEST_ALG;
  if (opts.annotations?.length) {
    header.annotations = await Promise.all(
      opts.annotations.map(async (a, i) => {
        let data = a;
        if (seed) {
          const k = payloadKeys(seed.baseSeed, annotationSalt(i, seed.salt));
          data = aes256CbcEncrypt(k.key, k.iv, a);
        }
        return toBase64Url(encodeEds(i, data));
      }),
    );
  }
  if (opts.contentMeta !== undefined) {
    const cm = opts.contentMeta instanceof Uint8Array ? opts.contentMeta : utf8(JSON.stringify(opts.contentMeta));
    header.ContentMetaData = toBase64Url(cm);
  }
  Object.assign(header, opts.header ?? {});
  const env: DareEnvelope = { header, body };
  if (signed || opts.digest || opts.bindHeader) {
    const pd = sha512Of(body);
    const trailer: DareTrailer = {};
    if (signed) trailer.signatures = opts.signers!.map((s) => makeSignature(s, pd, seed));
    trailer.PayloadDigest = toBase64Url(pd);
    if (opts.bindHeader) trailer.HeaderDigest = toBase64Url(headerDigestOf(header));
    env.trailer = trailer;
  }
  return env;
}

export interface SignatureResult {
  kid?: string;
  alg?: string;
  /** true: verified; false: a known key rejects it; undefined: no key known for it. */
  valid?: boolean;
}

export interface OpenOptions {
  /** Private keys to try on the recipient blocks. */
  keys?: DecryptionKey[];
  /** The base seed of a key exchange made elsewhere (sequence frames). */
  baseSeed?: Uint8Array;
  /** Key lookup for signature verification; without it signatures are reported unchecked. */
  verifyKeys?: KeyLookup;
  /** Trust a signature's own SignatureKey when the lookup has none (self-signed profiles). */
  trustEmbeddedKeys?: boolean;
  /** Throw MeshError('signature') unless at least one signature verifies and none fails. */
  requireSignature?: boolean;
  /**
   * SHA-512 of `env.body` when the caller already computed it (sync verifies every frame's digest
   * before decrypting it); it is still compared with PayloadDigest. Never a claimed value.
   */
  payloadDigest?: Uint8Array;
  /** Leave `contentMeta` out of the result: the caller already parsed and checked ContentMetaData (catalog frames). */
  skipContentMeta?: boolean;
}

export interface OpenedEnvelope {
  header: DareHeader;
  payload: Uint8Array;
  annotations: Uint8Array[];
  contentMeta?: Record<string, unknown>;
  signatures: SignatureResult[];
  encrypted: boolean;
  /** The recovered base seed of an encrypted envelope. */
  baseSeed?: Uint8Array;
}

/** Compares a computed digest with a claimed base64url field, canonical form only. */
export function digestMatches(claimed: unknown, digest: Uint8Array, name: string): boolean {
  if (claimed === undefined) return true;
  if (typeof claimed !== 'string') throw new MeshError('malformed', `${name} must be binary`);
  return claimed === toBase64Url(digest);
}

/**
 * Checks `PayloadDigest` and `HeaderDigest` (when present) against the body and the header;
 * returns the digest of the body.
 */
export function checkPayloadDigest(env: DareEnvelope, bodyDigest?: Uint8Array): Uint8Array {
  const pd = bodyDigest ?? sha512Of(env.body);
  if (!digestMatches(trailerField(env, 'PayloadDigest'), pd, 'PayloadDigest')) throw new MeshError('integrity', 'PayloadDigest does not match the body');
  const hd = env.trailer?.HeaderDigest;
  if (hd !== undefined && !digestMatches(hd, headerDigestOf(env.header), 'HeaderDigest')) throw new MeshError('integrity', 'HeaderDigest does not match the header');
  return pd;
}

function signaturesOf(env: DareEnvelope): DareSignature[] {
  const sigs = trailerField(env, 'signatures');
  if (sigs === undefined) return [];
  if (!Array.isArray(sigs)) throw new MeshError('malformed', 'signatures must be an array');
  if (sigs.length > 64) throw new MeshError('oversized', 'too many signatures');
  return sigs as DareSignature[];
}

/** Verifies every signature the lookup knows a key for. Does not decrypt. */
export function verifyEnvelopeSignatures(env: DareEnvelope, lookup: KeyLookup | undefined, trustEmbedded = false, bodyDigest?: Uint8Array): SignatureResult[] {
  const pd = checkPayloadDigest(env, bodyDigest);
  const chain = trailerBytes(env, 'ChainDigest');
  const dig = typeof trailerField(env, 'dig') === 'string' ? (trailerField(env, 'dig') as string) : DIGEST_ALG;
  return signaturesOf(env).map((sig) => {
    schemeOf(sig);
    const key = lookup?.(sig.kid, sig) ?? (trustEmbedded ? embeddedKey(sig) : undefined);
    const result: SignatureResult = { kid: sig.kid, alg: sig.alg };
    if (key) result.valid = verifySignature(sig, pd, key, chain, dig);
    return result;
  });
}

/** Opens an envelope: checks digest and signatures, decrypts payload and annotations. */
export async function openEnvelope(env: DareEnvelope, opts: OpenOptions = {}): Promise<OpenedEnvelope> {
  const signatures = verifyEnvelopeSignatures(env, opts.verifyKeys, opts.trustEmbeddedKeys, opts.payloadDigest);
  if (signatures.some((s) => s.valid === false)) throw new MeshError('signature', `signature by ${signatures.find((s) => s.valid === false)?.kid ?? 'unknown key'} does not verify`);
  if (opts.requireSignature && !signatures.some((s) => s.valid)) throw new MeshError('signature', 'no verifiable signature');
  const h = env.header;
  const encrypted = h.enc !== undefined && h.enc !== 'none';
  let payload = env.body;
  let baseSeed: Uint8Array | undefined;
  let salt: Uint8Array | undefined;
  if (encrypted) {
    if (h.enc !== ENC_ALG) throw new MeshError('unsupported', `payload encryption ${h.enc}`);
    salt = bytesField(h, 'Salt');
    if (!salt) throw new MeshError('malformed', 'encrypted envelope has no Salt');
    baseSeed = opts.baseSeed ?? (await unwrapBaseSeed(h.recipients, opts.keys ?? []));
    // One HKDF-Extract serves the payload key, the IV and every 2023 witness.
    const prk = payloadPrk(baseSeed, salt);
    const { key, iv } = payloadKeysFromPrk(prk);
    payload = aes256CbcDecrypt(key, iv, env.body);
    for (const sig of signaturesOf(env)) {
      if (schemeOf(sig).scheme === 2023 && !checkWitness2023(sig, baseSeed, salt, prk)) throw new MeshError('integrity', 'signature witness does not match');
    }
    const wv = trailerBytes(env, 'WitnessValue');
    if (wv) {
      const dig = typeof trailerField(env, 'dig') === 'string' ? (trailerField(env, 'dig') as string) : DIGEST_ALG;
      const m = manifest2024(dig, opts.payloadDigest ?? sha512Of(env.body), trailerBytes(env, 'ChainDigest'));
      if (!checkWitness2024(wv, baseSeed, salt, m)) throw new MeshError('integrity', 'WitnessValue does not match');
    }
  }
  const annotations: Uint8Array[] = [];
  const list = h.annotations ?? [];
  if (list.length > 256) throw new MeshError('oversized', 'too many annotations');
  for (let i = 0; i < list.length; i++) {
    const eds = decodeEds(fromBase64Url(list[i]));
    if (eds.prefix.length !== 1) throw new MeshError('malformed', 'annotation prefix must be one octet');
    if (baseSeed && salt) {
      const k = payloadKeys(baseSeed, annotationSalt(eds.prefix[0], salt));
      annotations.push(aes256CbcDecrypt(k.key, k.iv, eds.data));
    } else annotations.push(eds.data);
  }
  const out: OpenedEnvelope = { header: h, payload, annotations, signatures, encrypted };
  const cm = opts.skipContentMeta ? undefined : contentMeta(h);
  if (cm) out.contentMeta = cm;
  if (baseSeed) out.baseSeed = baseSeed;
  return out;
}
