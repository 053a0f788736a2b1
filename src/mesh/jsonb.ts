// JSON-B (draft-hallambaker-jsonbcd): the binary JSON encoding DARE uses for annotations (EDS),
// 2024 signature manifests, and objects written by the reference. Strict: any malformed,
// truncated or oversized input throws a MeshError, never anything else.
import { MeshError } from './errors.ts';
import { fromUtf8, utf8 } from './bytes.ts';

/** A decoded JSON-B value. Binary items decode to Uint8Array, everything else as in JSON. */
export type JsonbValue = null | boolean | number | string | Uint8Array | JsonbValue[] | { [key: string]: JsonbValue };

// Lexical tags. The low two bits of the length-prefixed groups select a 1/2/4/8-octet length.
const STRING_FINAL = 0x80;
const STRING_CHUNK = 0x84;
const BINARY_FINAL = 0x88;
const BINARY_CHUNK = 0x8c;
const INT_POS = 0xa0;
const INT_NEG = 0xa8;
const TRUE = 0xb0;
const FALSE = 0xb1;
const NULL = 0xb2;
const TAG = 0xb4;
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]

export const JSONB_MAX_DEPTH = 64;

// ---------------------------------------------------------------- writing

function lengthWidthCode(n: number): number {
  return n < 0x100 ? 0 : n < 0x10000 ? 1 : n < 0x1_0000_0000 ? 2 : 3;
}

function writeUint(out: Out, value: number, octets: number): void {
  for (let i = octets - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
}

/** Output under construction: small items go to `pending`, large binaries are kept as views. */
class Out {
  parts: Uint8Array[] = [];
  pending: number[] = [];
  push(...bytes: number[]): void {
    for (const b of bytes) this.pending.push(b);
  }
  bytes(data: Uint8Array): void {
    if (data.length < 64) {
      for (let i = 0; i < data.length; i++) this.pending.push(data[i]);
      return;
    }
    this.flush();
    this.parts.push(data);
  }
  flush(): void {
    if (this.pending.length) this.parts.push(Uint8Array.from(this.pending));
    this.pending = [];
  }
  result(): Uint8Array {
    this.flush();
    let n = 0;
    for (const p of this.parts) n += p.length;
    const r = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      r.set(p, o);
      o += p.length;
    }
    return r;
  }
}

function pushLengthPrefixed(out: Out, base: number, data: Uint8Array): void {
  const code = lengthWidthCode(data.length);
  out.push(base + code);
  writeUint(out, data.length, 1 << code);
  out.bytes(data);
}

function pushValue(out: Out, v: unknown, depth: number): void {
  if (depth > JSONB_MAX_DEPTH) throw new MeshError('oversized', 'JSON-B value nested too deeply');
  if (v === null || v === undefined) out.push(NULL);
  else if (v === true) out.push(TRUE);
  else if (v === false) out.push(FALSE);
  else if (typeof v === 'string') pushLengthPrefixed(out, STRING_FINAL, utf8(v));
  else if (v instanceof Uint8Array) pushLengthPrefixed(out, BINARY_FINAL, v);
  else if (typeof v === 'number' || typeof v === 'bigint') pushInteger(out, v);
  else if (Array.isArray(v)) {
    out.push(OPEN_ARRAY);
    for (const item of v) pushValue(out, item, depth + 1);
    out.push(CLOSE_ARRAY);
  } else if (typeof v === 'object') {
    out.push(OPEN_OBJECT);
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (item === undefined) continue;
      pushLengthPrefixed(out, TAG, utf8(k));
      pushValue(out, item, depth + 1);
    }
    out.push(CLOSE_OBJECT);
  } else throw new MeshError('unsupported', `JSON-B cannot encode a ${typeof v}`);
}

function pushInteger(out: Out, v: number | bigint): void {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new MeshError('unsupported', 'JSON-B writer encodes safe integers only');
  const mag = typeof v === 'bigint' ? (v < 0n ? -v : v) : BigInt(Math.abs(v));
  const negative = typeof v === 'bigint' ? v < 0n : v < 0;
  if (mag >= 1n << 64n) throw new MeshError('unsupported', 'integer too large for JSON-B');
  const octets = mag < 0x100n ? 1 : mag < 0x10000n ? 2 : mag < 0x1_0000_0000n ? 4 : 8;
  out.push((negative ? INT_NEG : INT_POS) + Math.log2(octets));
  for (let i = octets - 1; i >= 0; i--) out.push(Number((mag >> BigInt(8 * i)) & 0xffn));
}

/** Encodes a value as JSON-B. Strings become strings, Uint8Array binary, integers integers. */
export function encodeJsonb(value: unknown): Uint8Array {
  const out = new Out();
  pushValue(out, value, 0);
  return out.result();
}

/** One JSON-B string item (e.g. the `80 04 "S512"` that starts a 2024 manifest). */
export const jsonbString = (s: string): Uint8Array => encodeJsonb(s);
/** One JSON-B binary item (`88 len data`, the EDS building block). */
export const jsonbBinary = (b: Uint8Array): Uint8Array => encodeJsonb(b);

// ---------------------------------------------------------------- reading

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}

  byte(): number {
    if (this.pos >= this.end) throw new MeshError('truncated', 'JSON-B input ends early');
    return this.buf[this.pos++];
  }

  peek(): number {
    if (this.pos >= this.end) throw new MeshError('truncated', 'JSON-B input ends early');
    return this.buf[this.pos];
  }

  uint(octets: number): number {
    if (this.pos + octets > this.end) throw new MeshError('truncated', 'JSON-B length ends early');
    let v = 0;
    for (let i = 0; i < octets; i++) v = v * 256 + this.buf[this.pos++];
    if (!Number.isSafeInteger(v)) throw new MeshError('oversized', 'JSON-B length or integer too large');
    return v;
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new MeshError('truncated', 'JSON-B item longer than the input');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips the JSON separators and whitespace a JSON-B stream may contain between items. */
  skipSeparators(): void {
    while (this.pos < this.end) {
      const c = this.buf[this.pos];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c || c === 0x3a) this.pos++;
      else break;
    }
  }
}

function readChunked(r: Reader, first: number, finalBase: number, chunkBase: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let tag = first;
  for (;;) {
    const isChunk = tag >= chunkBase && tag < chunkBase + 4;
    const len = r.uint(1 << (tag & 3));
    parts.push(r.take(len));
    if (!isChunk) break;
    tag = r.byte();
    if (!((tag >= finalBase && tag < finalBase + 4) || (tag >= chunkBase && tag < chunkBase + 4))) {
      throw new MeshError('malformed', 'JSON-B chunk sequence interrupted');
    }
  }
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function readValue(r: Reader, depth: number): JsonbValue {
  if (depth > JSONB_MAX_DEPTH) throw new MeshError('oversized', 'JSON-B value nested too deeply');
  r.skipSeparators();
  const t = r.byte();
  if (t >= STRING_FINAL && t < STRING_FINAL + 8) return fromUtf8(readChunked(r, t, STRING_FINAL, STRING_CHUNK));
  if (t >= BINARY_FINAL && t < BINARY_FINAL + 8) return new Uint8Array(readChunked(r, t, BINARY_FINAL, BINARY_CHUNK));
  if (t >= INT_POS && t < INT_POS + 4) return r.uint(1 << (t & 3));
  if (t >= INT_NEG && t < INT_NEG + 4) return -r.uint(1 << (t & 3));
  if (t === TRUE) return true;
  if (t === FALSE) return false;
  if (t === NULL) return null;
  if (t === OPEN_ARRAY) {
    const items: JsonbValue[] = [];
    for (;;) {
      r.skipSeparators();
      if (r.peek() === CLOSE_ARRAY) {
        r.pos++;
        return items;
      }
      items.push(readValue(r, depth + 1));
    }
  }
  if (t === OPEN_OBJECT) {
    const obj: { [key: string]: JsonbValue } = Object.create(null);
    for (;;) {
      r.skipSeparators();
      const k = r.byte();
      if (k === CLOSE_OBJECT) return obj;
      if (k < TAG || k >= TAG + 4) throw new MeshError('malformed', `JSON-B object member must start with a tag, found 0x${k.toString(16)}`);
      const name = fromUtf8(r.take(r.uint(1 << (k & 3))));
      if (name in obj) throw new MeshError('malformed', `JSON-B object repeats member ${JSON.stringify(name)}`);
      obj[name] = readValue(r, depth + 1);
    }
  }
  throw new MeshError(t >= 0x80 ? 'unsupported' : 'malformed', `unexpected JSON-B octet 0x${t.toString(16)}`);
}

/** Decodes exactly one JSON-B value; trailing octets are an error. */
export function decodeJsonb(bytes: Uint8Array): JsonbValue {
  const r = new Reader(bytes);
  const v = readValue(r, 0);
  r.skipSeparators();
  if (r.pos !== bytes.length) throw new MeshError('malformed', 'trailing octets after the JSON-B value');
  return v;
}

/** Decodes a concatenation of JSON-B items (an EDS, a manifest). */
export function decodeJsonbItems(bytes: Uint8Array): JsonbValue[] {
  const r = new Reader(bytes);
  const items: JsonbValue[] = [];
  for (;;) {
    r.skipSeparators();
    if (r.pos >= bytes.length) return items;
    items.push(readValue(r, 0));
  }
}
