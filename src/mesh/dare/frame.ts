// JBCD frames (dare.md §6.1): the byte layout of a DARE sequence. A frame is
//   T Lf content Lr T    (T = F4..F7, Lf big-endian length, Lr the same octets reversed)
// and its content is up to three records R L data (R = F0..F3): header, payload, trailer.
// Frames can be read forward (from the start) and backward (from the end).
import { MeshError } from '../errors.ts';

export interface RawFrame {
  /** Offset of the frame's first octet in the buffer. */
  start: number;
  /** Offset just past the frame. */
  end: number;
  header: Uint8Array;
  /** Undefined when the frame has no payload record. */
  payload?: Uint8Array;
  /** Undefined when the frame has no trailer record (or it is empty). */
  trailer?: Uint8Array;
}

const widthCode = (n: number): number => (n < 0x100 ? 0 : n < 0x10000 ? 1 : n < 0x1_0000_0000 ? 2 : 3);

function putUint(out: Uint8Array, at: number, value: number, octets: number, reverse = false): void {
  for (let i = 0; i < octets; i++) {
    const byte = Math.floor(value / 2 ** (8 * (octets - 1 - i))) & 0xff;
    out[reverse ? at + octets - 1 - i : at + i] = byte;
  }
}

const recordSize = (n: number): number => 1 + (1 << widthCode(n)) + n;

function putRecord(out: Uint8Array, at: number, data: Uint8Array): number {
  const c = widthCode(data.length);
  const w = 1 << c;
  out[at] = 0xf0 + c;
  putUint(out, at + 1, data.length, w);
  out.set(data, at + 1 + w);
  return at + 1 + w + data.length;
}

export interface FrameParts {
  header: Uint8Array;
  payload?: Uint8Array;
  trailer?: Uint8Array;
  /** Write empty payload/trailer records as `F0 00` (the whole-frame writer) rather than omitting them. */
  emptyRecords?: boolean;
}

/** Encodes one frame. */
export function encodeFrame(p: FrameParts): Uint8Array {
  const records: Uint8Array[] = [p.header];
  const hasTrailer = p.trailer !== undefined && (p.trailer.length > 0 || p.emptyRecords);
  if (p.payload !== undefined || hasTrailer || p.emptyRecords) records.push(p.payload ?? new Uint8Array(0));
  if (hasTrailer || p.emptyRecords) records.push(p.trailer ?? new Uint8Array(0));
  let contentLength = 0;
  for (const r of records) contentLength += recordSize(r.length);
  const c = widthCode(contentLength);
  const w = 1 << c;
  const out = new Uint8Array(2 + 2 * w + contentLength);
  out[0] = 0xf4 + c;
  putUint(out, 1, contentLength, w);
  let at = 1 + w;
  for (const r of records) at = putRecord(out, at, r);
  putUint(out, at, contentLength, w, true);
  out[at + w] = 0xf4 + c;
  return out;
}

function readUint(buf: Uint8Array, at: number, octets: number, reverse = false): number {
  let v = 0;
  for (let i = 0; i < octets; i++) v = v * 256 + buf[reverse ? at + octets - 1 - i : at + i];
  if (!Number.isSafeInteger(v)) throw new MeshError('oversized', 'frame length too large');
  return v;
}

function parseContent(buf: Uint8Array, start: number, end: number, frameStart: number, frameEnd: number): RawFrame {
  const records: Uint8Array[] = [];
  let at = start;
  while (at < end) {
    const tag = buf[at];
    if (tag < 0xf0 || tag > 0xf3) throw new MeshError('malformed', `bad record tag 0x${tag.toString(16)} at ${at}`);
    const w = 1 << (tag - 0xf0);
    if (at + 1 + w > end) throw new MeshError('malformed', 'record length runs past the frame');
    const len = readUint(buf, at + 1, w);
    const dataStart = at + 1 + w;
    if (len > end - dataStart) throw new MeshError('malformed', 'record runs past the frame');
    records.push(buf.subarray(dataStart, dataStart + len));
    at = dataStart + len;
    if (records.length > 3) throw new MeshError('malformed', 'a frame holds at most three records');
  }
  if (records.length === 0) throw new MeshError('malformed', 'frame has no header record');
  const f: RawFrame = { start: frameStart, end: frameEnd, header: records[0] };
  if (records.length > 1) f.payload = records[1];
  if (records.length > 2 && records[2].length > 0) f.trailer = records[2];
  return f;
}

/** Reads the frame starting at `offset`. */
export function readFrameAt(buf: Uint8Array, offset: number): RawFrame {
  if (offset >= buf.length) throw new MeshError('truncated', 'no frame at this offset');
  const tag = buf[offset];
  if (tag < 0xf4 || tag > 0xf7) throw new MeshError('malformed', `bad frame tag 0x${tag.toString(16)} at ${offset}`);
  const w = 1 << (tag - 0xf4);
  if (offset + 1 + w > buf.length) throw new MeshError('truncated', 'frame length ends early');
  const len = readUint(buf, offset + 1, w);
  const contentStart = offset + 1 + w;
  if (len > buf.length - contentStart - 1 - w) throw new MeshError('truncated', 'frame ends early');
  const contentEnd = contentStart + len;
  if (readUint(buf, contentEnd, w, true) !== len || buf[contentEnd + w] !== tag) throw new MeshError('malformed', 'frame trailer does not match its start');
  return parseContent(buf, contentStart, contentEnd, offset, contentEnd + w + 1);
}

/** Reads the frame that ends just before `end` (backward reading). */
export function readFrameBefore(buf: Uint8Array, end: number): RawFrame {
  if (end <= 0 || end > buf.length) throw new MeshError('truncated', 'no frame before this offset');
  const tag = buf[end - 1];
  if (tag < 0xf4 || tag > 0xf7) throw new MeshError('malformed', `bad frame end tag 0x${tag.toString(16)} at ${end - 1}`);
  const w = 1 << (tag - 0xf4);
  if (end - 1 - w < 0) throw new MeshError('truncated', 'frame length ends early');
  const len = readUint(buf, end - 1 - w, w, true);
  const start = end - 1 - w - len - w - 1;
  if (start < 0) throw new MeshError('truncated', 'frame starts before the buffer');
  const f = readFrameAt(buf, start);
  if (f.end !== end) throw new MeshError('malformed', 'frame boundaries disagree');
  return f;
}

/** Offsets of every frame, reading forward. A torn last frame throws MeshError('truncated'). */
export function* framesForward(buf: Uint8Array, offset = 0): Generator<RawFrame> {
  let at = offset;
  while (at < buf.length) {
    const f = readFrameAt(buf, at);
    yield f;
    at = f.end;
  }
}

/** Frames from the last to the first. */
export function* framesBackward(buf: Uint8Array, end = buf.length): Generator<RawFrame> {
  let at = end;
  while (at > 0) {
    const f = readFrameBefore(buf, at);
    yield f;
    at = f.start;
  }
}

/** Length of the longest prefix made of whole, well-formed frames (for torn-write recovery). */
export function wholeFramesLength(buf: Uint8Array): number {
  let at = 0;
  for (;;) {
    if (at >= buf.length) return at;
    try {
      at = readFrameAt(buf, at).end;
    } catch {
      return at;
    }
  }
}
