// RFC 4648 Base32 as UDFs present it (udf.md §2): upper case, no padding, a dash after every four
// characters, and a precision in bits that may cut the last octet. Parsing ignores case and dashes.
import { MeshError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// Character code -> 5-bit value, -1 for characters outside the alphabet (either case).
const LOOKUP = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 32; i++) {
    t[ALPHABET.charCodeAt(i)] = i;
    t[ALPHABET.toLowerCase().charCodeAt(i)] = i;
  }
  return t;
})();

const DASH = 0x2d;

/** Longest text any decoder accepts; far above the largest UDF (a 64-octet share, ~110 chars). */
export const MAX_BASE32_CHARS = 1024;

/**
 * Present the first `bits` bits of `data` as Base32 (⌈bits/5⌉ characters, bits past `bits` in the
 * last character set to zero), grouped by four with dashes unless `grouped` is false.
 */
export function base32Present(data: Uint8Array, bits = data.length * 8, grouped = true): string {
  if (!Number.isInteger(bits) || bits <= 0) throw new MeshError('malformed', `invalid precision ${bits}`);
  if (bits > data.length * 8) throw new MeshError('truncated', `precision ${bits} exceeds the ${data.length * 8} bits available`);
  const chars = Math.ceil(bits / 5);
  let out = '';
  let acc = 0;
  let accBits = 0;
  let i = 0;
  for (let c = 0; c < chars; c++) {
    if (accBits < 5) {
      acc = ((acc << 8) | (i < data.length ? data[i++] : 0)) & 0x1fff;
      accBits += 8;
    }
    let v = (acc >> (accBits - 5)) & 31;
    accBits -= 5;
    // Zero the bits of the final character that lie beyond the precision.
    const used = bits - c * 5;
    if (used < 5) v &= (0x1f << (5 - used)) & 31;
    if (grouped && c > 0 && c % 4 === 0) out += '-';
    out += ALPHABET[v];
  }
  return out;
}

/**
 * Decode Base32 text, ignoring dashes and case; returns the ⌊5·chars/8⌋ whole octets (the partial
 * bits of a last incomplete octet are dropped). Any other character is an error.
 */
export function base32Decode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new MeshError('malformed', 'Base32 input is not a string');
  if (text.length > MAX_BASE32_CHARS * 2) throw new MeshError('oversized', 'Base32 text is too long');
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DASH) continue;
    if (c >= 128 || LOOKUP[c] < 0) throw new MeshError('malformed', `invalid Base32 character ${JSON.stringify(text[i])} at ${i}`);
    chars++;
  }
  if (chars === 0) throw new MeshError('truncated', 'empty Base32 text');
  if (chars > MAX_BASE32_CHARS) throw new MeshError('oversized', 'Base32 text is too long');
  const out = new Uint8Array(Math.floor((chars * 5) / 8));
  let acc = 0;
  let accBits = 0;
  let o = 0;
  for (let i = 0; i < text.length && o < out.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DASH) continue;
    acc = ((acc << 5) | LOOKUP[c]) & 0x1fff;
    accBits += 5;
    if (accBits >= 8) {
      accBits -= 8;
      out[o++] = (acc >> accBits) & 0xff;
    }
  }
  return out;
}

/** Number of Base32 characters (dashes excluded) in a presentation. */
export function base32Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== DASH) n++;
  return n;
}
