// One store (catalog or spool) of one account: a DARE sequence on disk, append-only, one JBCD
// frame per envelope (B's frame codec). The file is only ever appended to; which prefix is
// committed is decided by the account journal (journal.ts), so a torn or partial batch left by
// a crash is cut off at the next start. The in-memory index (frame offsets, UniqueId → latest
// frame, EnvelopeId → index, tree digests) is rebuilt from the file when the store opens.
import { closeSync, copyFileSync, fstatSync, ftruncateSync, openSync, readSync, writeSync, fsyncSync, fdatasync } from 'node:fs';
import { encodeFrame, readFrameAt } from '../mesh/dare/frame.ts';
import { treeDigest } from '../mesh/dare/merkle.ts';
import { fromBase64Url } from '../mesh/bytes.ts';
import { MeshError } from '../mesh/errors.ts';
import { nodeSha512 as sha512 } from './native-sha512.ts';

export interface EntryState {
  index: number;
  deleted: boolean;
}

/** A frame ready to be written: header and trailer as the JSON objects to serve. */
export interface PendingFrame {
  header: Record<string, unknown>;
  body: Uint8Array;
  trailer: Record<string, unknown>;
  uniqueId?: string;
  event?: string;
  envelopeId?: string;
  /** SHA-512 of the body when the caller already computed it (checking PayloadDigest). */
  payloadDigest?: Uint8Array;
}

export interface FrameMeta {
  uniqueId?: string;
  event?: string;
  envelopeId?: string;
}

const SPOOLS = new Set(['Inbound', 'Outbound', 'Local']);
export const isSpool = (store: string): boolean => SPOOLS.has(store);

/** Reads UniqueId / Event / EnvelopeId from a header object (ContentMetaData is base64url JSON). */
export function frameMeta(header: Record<string, unknown>): FrameMeta & { metaError?: string; previous?: unknown } {
  const out: FrameMeta & { metaError?: string; previous?: unknown } = {};
  if (typeof header.EnvelopeId === 'string') out.envelopeId = header.EnvelopeId;
  const cm = header.ContentMetaData;
  if (typeof cm === 'string') {
    try {
      const meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(cm))) as Record<string, unknown>;
      if (meta && typeof meta === 'object') {
        if (typeof meta.UniqueId === 'string') out.uniqueId = meta.UniqueId;
        if (typeof meta.Event === 'string') out.event = meta.Event;
        if (meta.Previous !== undefined) out.previous = meta.Previous;
      }
    } catch {
      out.metaError = 'ContentMetaData is not base64url JSON';
    }
  }
  return out;
}

export class StoreFile {
  readonly name: string;
  readonly path: string;
  private fd: number;
  /** Start offset of frame i; `ends[i]` its end. */
  private starts: number[] = [];
  private ends: number[] = [];
  private tree: Uint8Array[] = [];
  readonly latest = new Map<string, EntryState>();
  readonly envelopeIds = new Map<string, number>();
  /** Committed length in bytes. */
  size = 0;

  private constructor(name: string, path: string, fd: number) {
    this.name = name;
    this.path = path;
    this.fd = fd;
  }

  /**
   * Opens (creating if needed) and recovers the store: everything past `committedLength` is cut
   * off, then every frame is parsed and its tree digest checked. A frame that fails ends the
   * committed prefix (reported through `onProblem`).
   */
  static open(name: string, path: string, committedLength: number, onProblem: (msg: string) => void): StoreFile {
    closeSync(openSync(path, 'a'));
    const fd = openSync(path, 'r+');
    const s = new StoreFile(name, path, fd);
    const actual = fstatSync(fd).size;
    if (actual > committedLength) {
      onProblem(`store ${name}: cut ${actual - committedLength} uncommitted bytes`);
      ftruncateSync(fd, committedLength);
      fsyncSync(fd);
    } else if (actual < committedLength) {
      onProblem(`store ${name}: file is ${committedLength - actual} bytes shorter than committed`);
    }
    const len = Math.min(actual, committedLength);
    const buf = Buffer.alloc(len);
    if (len) readSync(fd, buf, 0, len, 0);
    let at = 0;
    while (at < len) {
      try {
        const f = readFrameAt(buf, at);
        const header = JSON.parse(Buffer.from(f.header).toString('utf8')) as Record<string, unknown>;
        const trailer = f.trailer ? (JSON.parse(Buffer.from(f.trailer).toString('utf8')) as Record<string, unknown>) : {};
        const index = s.starts.length;
        const si = header.SequenceInfo as { Index?: number } | undefined;
        if (si?.Index !== index) throw new MeshError('integrity', `frame ${index} carries index ${si?.Index}`);
        const t = treeDigest(index, sha512(f.payload ?? new Uint8Array(0)), (i) => s.tree[i]);
        if (typeof trailer.TreeDigest !== 'string' || Buffer.from(t).toString('base64url') !== trailer.TreeDigest) {
          throw new MeshError('integrity', `frame ${index} tree digest does not verify`);
        }
        s.index(index, at, f.end, t, frameMeta(header));
        at = f.end;
      } catch (e) {
        // Committed data that does not verify (bit rot, tampering): keep a copy for inspection,
        // serve the verified prefix.
        const copy = `${path}.damaged-${Date.now()}`;
        copyFileSync(path, copy);
        onProblem(`store ${name}: frame at offset ${at} unreadable (${e instanceof Error ? e.message : String(e)}); truncated there, original kept as ${copy.split('/').pop()}`);
        ftruncateSync(fd, at);
        fsyncSync(fd);
        break;
      }
    }
    s.size = at;
    return s;
  }

  private index(index: number, start: number, end: number, t: Uint8Array, meta: FrameMeta): void {
    this.starts.push(start);
    this.ends.push(end);
    this.tree.push(t);
    if (meta.envelopeId) this.envelopeIds.set(meta.envelopeId, index);
    if (meta.uniqueId && meta.event && index > 0) this.latest.set(meta.uniqueId, { index, deleted: meta.event === 'Delete' });
  }

  /** Number of frames (the next index). */
  get count(): number {
    return this.starts.length;
  }

  /** Index of the last frame, -1 when empty. */
  get lastIndex(): number {
    return this.starts.length - 1;
  }

  digest(index: number): Uint8Array | undefined {
    return this.tree[index];
  }

  /**
   * Writes frames (assigning indexes, `Received` and `TreeDigest`) without fsync; returns the
   * serialized sizes. The caller fsyncs (`sync`) and then commits through the journal; until
   * then the new frames are not visible (`commit`).
   */
  write(frames: PendingFrame[], received: string, crashMidWrite?: () => void): { indexes: number[]; staged: Staged } {
    const indexes: number[] = [];
    const chunks: Buffer[] = [];
    const staged: Staged = { starts: [], ends: [], tree: [], metas: [] };
    let at = this.size;
    const treeAt = (i: number): Uint8Array | undefined => (i < this.tree.length ? this.tree[i] : staged.tree[i - this.tree.length]);
    for (const f of frames) {
      const index = this.count + indexes.length;
      const header = { ...f.header, SequenceInfo: { ...((f.header.SequenceInfo as object) ?? {}), Index: index }, Received: received };
      const t = treeDigest(index, f.payloadDigest ?? sha512(f.body), treeAt);
      const trailer = { ...f.trailer, TreeDigest: Buffer.from(t).toString('base64url') };
      const bytes = encodeFrame({ header: Buffer.from(JSON.stringify(header)), payload: f.body, trailer: Buffer.from(JSON.stringify(trailer)) });
      chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      staged.starts.push(at);
      at += bytes.length;
      staged.ends.push(at);
      staged.tree.push(t);
      staged.metas.push({ uniqueId: f.uniqueId, event: f.event, envelopeId: f.envelopeId });
      indexes.push(index);
    }
    const all = Buffer.concat(chunks);
    let off = 0;
    if (crashMidWrite) {
      writeSync(this.fd, all, 0, all.length >> 1, this.size);
      fsyncSync(this.fd);
      crashMidWrite();
    }
    try {
      while (off < all.length) off += writeSync(this.fd, all, off, all.length - off, this.size + off);
    } catch (e) {
      this.abandon();
      throw e;
    }
    staged.length = at;
    return { indexes, staged };
  }

  /** fdatasync off the event loop, so other accounts keep being served meanwhile. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
  }

  /** Makes staged frames visible after the journal committed them. */
  commit(staged: Staged): void {
    for (let i = 0; i < staged.starts.length; i++) this.index(this.count, staged.starts[i], staged.ends[i], staged.tree[i], staged.metas[i]);
    this.size = staged.length!;
  }

  /** Drops staged bytes after a failed batch (the journal never mentioned them). */
  abandon(): void {
    try {
      ftruncateSync(this.fd, this.size);
    } catch {
      // the next start truncates to the committed length anyway
    }
  }

  /** Reads frames [from, to] as JSON envelope texts `[header,"body",trailer]`, within `maxBytes`. */
  read(from: number, to: number, maxBytes: number): { texts: string[]; bytes: number } {
    const texts: string[] = [];
    if (from > to || from >= this.count) return { texts, bytes: 0 };
    const last = Math.min(to, this.lastIndex);
    // Read in chunks of at most ~8 MiB of file.
    let bytes = 0;
    let i = from;
    while (i <= last) {
      let j = i;
      while (j < last && this.ends[j + 1] - this.starts[i] <= 8 * 1024 * 1024) j++;
      const buf = Buffer.alloc(this.ends[j] - this.starts[i]);
      readSync(this.fd, buf, 0, buf.length, this.starts[i]);
      for (let k = i; k <= j; k++) {
        const f = readFrameAt(buf, this.starts[k] - this.starts[i]);
        const text = `[${Buffer.from(f.header.buffer, f.header.byteOffset, f.header.length).toString('utf8')},"${Buffer.from((f.payload ?? new Uint8Array(0)) as Uint8Array).toString('base64url')}",${f.trailer ? Buffer.from(f.trailer.buffer, f.trailer.byteOffset, f.trailer.length).toString('utf8') : '{}'}]`;
        if (texts.length > 0 && bytes + text.length > maxBytes) return { texts, bytes };
        texts.push(text);
        bytes += text.length;
      }
      i = j + 1;
    }
    return { texts, bytes };
  }

  /** Reads one frame as a JSON value. */
  readOne(index: number): unknown {
    const { texts } = this.read(index, index, Infinity);
    return texts.length ? JSON.parse(texts[0]) : undefined;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

export interface Staged {
  starts: number[];
  ends: number[];
  tree: Uint8Array[];
  metas: FrameMeta[];
  length?: number;
}
