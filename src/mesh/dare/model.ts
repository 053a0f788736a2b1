// The DARE envelope data model and its JSON / JSON-B encodings (dare.md §1-2).
// Headers and trailers are kept in their JSON form (binary fields as base64url strings), so an
// envelope read from JSON-B and one read from JSON compare equal and re-encode identically.
import { MeshError } from '../errors.ts';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../bytes.ts';
import { decodeJsonb, encodeJsonb, type JsonbValue } from '../jsonb.ts';
import { sha512Of } from './primitives.ts';

export interface KeyObject {
  PublicKeyECDH?: { crv: string; Public: string };
  PrivateKeyECDH?: { crv: string; Private: string };
  [k: string]: unknown;
}

export interface DareRecipient {
  kid?: string;
  kwd?: string;
  epk?: KeyObject;
  wmk?: string;
  rkd?: string;
  ek?: string;
  [k: string]: unknown;
}

export interface DareSignature {
  dig?: string;
  alg?: string;
  kid?: string;
  signature?: string;
  witness?: string;
  Manifest?: string;
  SignatureKey?: KeyObject;
  [k: string]: unknown;
}

export interface SequenceInfo {
  DataEncoding?: string;
  ContainerType?: string;
  Index?: number;
  IsMeta?: boolean;
  Default?: boolean;
  TreePosition?: number;
  IndexPosition?: number;
  ExchangePosition?: number;
  [k: string]: unknown;
}

export interface DarePolicy {
  Public?: boolean;
  enc?: string;
  dig?: string;
  Encryption?: string;
  Signature?: string;
  EncryptKeys?: KeyObject[];
  SignKeys?: KeyObject[];
  Sealed?: boolean;
  [k: string]: unknown;
}

/** Trailer fields (dare-17 names, plus the 2024 ones readers accept). Any may sit in the header. */
export interface DareTrailer {
  signatures?: DareSignature[];
  ApexSignatures?: DareSignature[];
  seqsignatures?: DareSignature[];
  SignedData?: string;
  PayloadDigest?: string;
  ChainDigest?: string;
  TreeDigest?: string;
  ApexDigest?: string;
  WitnessValue?: string;
  PayloadTag?: string;
  dig?: string;
  [k: string]: unknown;
}

export interface DareHeader extends DareTrailer {
  EnvelopeId?: string;
  enc?: string;
  kid?: string;
  Salt?: string;
  Malt?: string;
  cloaked?: string;
  annotations?: string[];
  recipients?: DareRecipient[];
  policy?: DarePolicy;
  ContentMetaData?: string;
  SequenceInfo?: SequenceInfo;
  SequenceIndex?: { Full?: boolean; Positions?: { Index?: number; Position?: number; UniqueId?: string }[] };
  Received?: string;
}

export interface DareEnvelope {
  header: DareHeader;
  /** The payload octets as carried (ciphertext when encrypted). */
  body: Uint8Array;
  /** Absent when the envelope has no trailer (the array of two). */
  trailer?: DareTrailer;
}

/** Field names whose values are binary (base64url in JSON, binary items in JSON-B). */
const BINARY_FIELDS = new Set([
  'Salt', 'Malt', 'cloaked', 'annotations', 'ContentMetaData', 'Cover', 'Bitmask', 'signature', 'witness', 'wmk',
  'Public', 'Private', 'rkd', 'ek', 'x5c', 'Manifest', 'SignedData', 'SequenceSignedData', 'PayloadDigest',
  'ChainDigest', 'TreeDigest', 'ApexDigest', 'WitnessValue', 'PayloadTag', 'ApplicationContextValue',
]);

export const DEFAULT_MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;

/** Trailer field names (dare-17 and dare-18), plus MeshPass's HeaderDigest. */
export const TRAILER_FIELDS: ReadonlySet<string> = new Set([
  'signatures', 'ApexSignatures', 'seqsignatures', 'ApplicationContextValue', 'SignedData', 'SequenceSignedData',
  'WitnessValue', 'PayloadTag', 'PayloadDigest', 'ChainDigest', 'TreeDigest', 'ApexDigest', 'dig', 'HeaderDigest',
]);
/** Header field names; any trailer field may also sit in the header. */
export const HEADER_FIELDS: ReadonlySet<string> = new Set([
  ...TRAILER_FIELDS, 'EnvelopeId', 'enc', 'kid', 'Salt', 'Malt', 'cloaked', 'annotations', 'recipients', 'policy',
  'ContentMetaData', 'SequenceInfo', 'SequenceIndex', 'Received', 'Cover', 'Bitmask', 'Debug',
]);
const SIGNATURE_FIELDS: ReadonlySet<string> = new Set(['dig', 'alg', 'kid', 'cert', 'path', 'Manifest', 'signature', 'witness', 'SignatureKey']);

/**
 * MeshPass's header binding (docs/decisions/dare.md): SHA-512 of the header's JSON text, carried in
 * the trailer as `HeaderDigest`, so that a changed header octet is detected like a changed payload.
 */
export const headerDigestOf = (header: DareHeader): Uint8Array => sha512Of(utf8(JSON.stringify(header)));

// ---------------------------------------------------------------- field access

const B64URL_CHARS = /^[A-Za-z0-9_-]*$/;
const B64URL_VALUE = (c: number): number => (c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 45 ? 62 : 63);

/** True for canonical base64url without padding: the only form MeshPass writes and accepts. */
export function isCanonicalBase64Url(s: string): boolean {
  const rest = s.length % 4;
  if (rest === 1 || !B64URL_CHARS.test(s)) return false;
  if (rest === 0) return true;
  const last = B64URL_VALUE(s.charCodeAt(s.length - 1));
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** Decodes canonical base64url; anything else is MeshError('malformed'). */
export function strictBase64Url(s: string, what = 'binary field'): Uint8Array {
  if (!isCanonicalBase64Url(s)) throw new MeshError('malformed', `${what} is not canonical base64url`);
  return fromBase64Url(s);
}

/** Decodes a binary field; absent → undefined; present but not base64url → MeshError. */
export function bytesField(obj: object | undefined, name: string): Uint8Array | undefined {
  const v = (obj as Record<string, unknown> | undefined)?.[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new MeshError('malformed', `${name} must be a base64url string`);
  return strictBase64Url(v, name);
}

export function stringField(obj: object | undefined, name: string): string | undefined {
  const v = (obj as Record<string, unknown> | undefined)?.[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new MeshError('malformed', `${name} must be a string`);
  return v;
}

/** A trailer field, looked up in the trailer first and then in the header. */
export function trailerField(env: DareEnvelope, name: keyof DareTrailer & string): unknown {
  return (env.trailer as Record<string, unknown> | undefined)?.[name] ?? (env.header as Record<string, unknown>)[name];
}

export function trailerBytes(env: DareEnvelope, name: keyof DareTrailer & string): Uint8Array | undefined {
  const v = trailerField(env, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new MeshError('malformed', `${name} must be a base64url string`);
  return strictBase64Url(v, name);
}

// ---------------------------------------------------------------- validation

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function checkArrayOfObjects(v: unknown, name: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || !v.every(isPlainObject)) throw new MeshError('malformed', `${name} must be an array of objects`);
}

function checkStrings(v: unknown, name: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new MeshError('malformed', `${name} must be an array of strings`);
}

/** Shape checks so that later code can rely on the declared types. Unknown field names are rejected. */
export function checkHeaderShape(h: Record<string, unknown>, what: 'header' | 'trailer'): void {
  const known = what === 'header' ? HEADER_FIELDS : TRAILER_FIELDS;
  for (const [k, v] of Object.entries(h)) {
    if (!known.has(k)) throw new MeshError('malformed', `unknown ${what} field ${JSON.stringify(k)}`);
    if (BINARY_FIELDS.has(k) && k !== 'annotations' && (typeof v !== 'string' || !isCanonicalBase64Url(v))) throw new MeshError('malformed', `${what} ${k} must be binary`);
  }
  checkStrings(h.annotations, 'annotations');
  checkArrayOfObjects(h.recipients, 'recipients');
  checkArrayOfObjects(h.signatures, 'signatures');
  for (const sig of (h.signatures as Record<string, unknown>[] | undefined) ?? []) {
    for (const k of Object.keys(sig)) if (!SIGNATURE_FIELDS.has(k)) throw new MeshError('malformed', `unknown signature field ${JSON.stringify(k)}`);
  }
  for (const k of ['SequenceInfo', 'policy', 'SequenceIndex']) {
    if (h[k] !== undefined && !isPlainObject(h[k])) throw new MeshError('malformed', `${k} must be an object`);
  }
  for (const k of ['enc', 'dig', 'kid', 'EnvelopeId', 'Received']) {
    if (h[k] !== undefined && typeof h[k] !== 'string') throw new MeshError('malformed', `${what} ${k} must be a string`);
  }
  const info = h.SequenceInfo as Record<string, unknown> | undefined;
  if (info) {
    for (const k of ['Index', 'TreePosition', 'IndexPosition', 'ExchangePosition']) {
      if (info[k] !== undefined && !(Number.isSafeInteger(info[k]) && (info[k] as number) >= 0)) throw new MeshError('malformed', `SequenceInfo.${k} must be a non-negative integer`);
    }
  }
}

// ---------------------------------------------------------------- JSON-B ↔ JSON model

/** Converts a decoded JSON-B value to the JSON model: binary items become base64url strings. */
export function jsonbToModel(v: JsonbValue): unknown {
  if (v instanceof Uint8Array) return toBase64Url(v);
  if (Array.isArray(v)) return v.map(jsonbToModel);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonbToModel(x);
    return out;
  }
  return v;
}

/** Converts the JSON model to JSON-B input: known binary fields become Uint8Array. */
export function modelToJsonb(v: unknown, binary = false): unknown {
  if (typeof v === 'string' && binary) return fromBase64Url(v);
  if (Array.isArray(v)) return v.map((x) => modelToJsonb(x, binary));
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = modelToJsonb(x, BINARY_FIELDS.has(k));
    return out;
  }
  return v;
}

// ---------------------------------------------------------------- envelope codec

/** Reads an envelope from its JSON model: `[h, body, t?]` or `{"DareEnvelope": [...]}`. */
export function envelopeFromJson(value: unknown): DareEnvelope {
  let arr = value;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'DareEnvelope') throw new MeshError('malformed', 'not a DareEnvelope');
    arr = value.DareEnvelope;
  }
  if (!Array.isArray(arr) || arr.length < 2 || arr.length > 3) throw new MeshError('malformed', 'a DARE envelope is an array of 2 or 3 items');
  const [header, body, trailer] = arr;
  if (!isPlainObject(header)) throw new MeshError('malformed', 'envelope header must be an object');
  if (typeof body !== 'string') throw new MeshError('malformed', 'envelope body must be a base64url string');
  if (trailer !== undefined && !isPlainObject(trailer)) throw new MeshError('malformed', 'envelope trailer must be an object');
  checkHeaderShape(header, 'header');
  if (trailer) checkHeaderShape(trailer, 'trailer');
  if ((header.annotations as string[] | undefined)?.some((a) => !isCanonicalBase64Url(a))) throw new MeshError('malformed', 'annotations must be binary');
  const env: DareEnvelope = { header: header as DareHeader, body: strictBase64Url(body, 'envelope body') };
  if (trailer) env.trailer = trailer as DareTrailer;
  return env;
}

/** The JSON model of an envelope (what JSON.stringify writes). */
export function envelopeToJson(env: DareEnvelope, tagged = false): unknown {
  const arr: unknown[] = [env.header, toBase64Url(env.body)];
  if (env.trailer) arr.push(env.trailer);
  return tagged ? { DareEnvelope: arr } : arr;
}

export function encodeEnvelopeJson(env: DareEnvelope, tagged = false): Uint8Array {
  return utf8(JSON.stringify(envelopeToJson(env, tagged)));
}

export function encodeEnvelopeJsonb(env: DareEnvelope, tagged = false): Uint8Array {
  const arr: unknown[] = [modelToJsonb(env.header), env.body];
  if (env.trailer) arr.push(modelToJsonb(env.trailer));
  return encodeJsonb(tagged ? { DareEnvelope: arr } : arr);
}

/** Parses JSON text strictly into the JSON model; MeshError on any failure. */
export function parseJsonText(bytes: Uint8Array): unknown {
  const text = fromUtf8(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new MeshError('malformed', 'invalid JSON');
  }
}

/** Parses JSON or JSON-B (sniffed: JSON-B is never valid UTF-8 JSON) into the JSON model. */
export function parseJsonOrJsonb(bytes: Uint8Array): unknown {
  let text: string | undefined;
  try {
    text = fromUtf8(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through to JSON-B
    }
  }
  try {
    return jsonbToModel(decodeJsonb(bytes));
  } catch (e) {
    if (e instanceof MeshError && text === undefined) throw e;
    throw new MeshError('malformed', 'neither JSON nor JSON-B');
  }
}

/** Reads an envelope decoded from JSON-B, keeping the body as octets (no base64 round trip). */
function envelopeFromJsonb(value: JsonbValue): DareEnvelope {
  let arr: unknown = value;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'DareEnvelope') throw new MeshError('malformed', 'not a DareEnvelope');
    arr = value.DareEnvelope;
  }
  if (!Array.isArray(arr) || arr.length < 2 || arr.length > 3) throw new MeshError('malformed', 'a DARE envelope is an array of 2 or 3 items');
  const body = arr[1];
  if (!(body instanceof Uint8Array)) throw new MeshError('malformed', 'JSON-B envelope body must be binary');
  const env = envelopeFromJson([jsonbToModel(arr[0]), '', ...arr.slice(2).map(jsonbToModel)]);
  env.body = body;
  return env;
}

/** Decodes an envelope written as JSON or JSON-B, tagged or not. */
export function decodeEnvelope(bytes: Uint8Array, maxBytes = DEFAULT_MAX_ENVELOPE_BYTES): DareEnvelope {
  if (bytes.length > maxBytes) throw new MeshError('oversized', `envelope exceeds ${maxBytes} octets`);
  // JSON-B is never valid UTF-8 JSON (its tags are bytes ≥ 0x80), so a text parse settles it.
  let text: string | undefined;
  try {
    text = fromUtf8(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch {
      throw new MeshError('malformed', 'envelope is not valid JSON');
    }
    return envelopeFromJson(model);
  }
  return envelopeFromJsonb(decodeJsonb(bytes));
}

/** Decodes the `ContentMetaData` header field (UTF-8 JSON) if present. */
export function contentMeta(header: DareHeader): Record<string, unknown> | undefined {
  const b = bytesField(header, 'ContentMetaData');
  if (!b) return undefined;
  const v = parseJsonText(b);
  if (!isPlainObject(v)) throw new MeshError('malformed', 'ContentMetaData must be a JSON object');
  return v;
}

export { isPlainObject };
