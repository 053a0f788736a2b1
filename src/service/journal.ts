// The account journal: one line per committed batch, naming the committed length of every store
// the batch touched (and the request id, for idempotent retries). A batch counts as applied only
// once its line is on disk; at start each store is cut back to its last committed length, so a
// Transact torn by a crash leaves nothing half-applied.
import { closeSync, fdatasync, fstatSync, ftruncateSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync, existsSync } from 'node:fs';

export interface JournalRecord {
  /** Batch sequence number. */
  b: number;
  /** Store name → committed length in bytes after this batch. */
  s: Record<string, number>;
  /** Request ids (Transact `ID`) with their responses, for idempotent retries. */
  ids?: Array<{ id: string; r: unknown }>;
  /** Older single-id form. */
  id?: string;
  r?: unknown;
}

export class Journal {
  private fd: number;
  readonly path: string;
  seq = 0;
  /** Latest committed length per store. */
  readonly lengths = new Map<string, number>();
  /** Recent request ids → stored result (bounded). */
  readonly results = new Map<string, unknown>();
  private records = 0;
  /** Bytes of whole records on disk. */
  private size = 0;

  constructor(path: string, onProblem: (msg: string) => void) {
    this.path = path;
    let text = '';
    if (existsSync(path)) text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    let good = 0;
    let goodBytes = 0;
    for (let i = 0; i < lines.length - 1; i++) {
      try {
        const r = JSON.parse(lines[i]) as JournalRecord;
        this.apply(r);
        good++;
        goodBytes += Buffer.byteLength(lines[i]) + 1;
      } catch {
        onProblem(`journal: unreadable line ${i + 1}; later lines ignored`);
        break;
      }
    }
    if (lines[lines.length - 1] !== '' || goodBytes !== Buffer.byteLength(text)) {
      if (text.length) onProblem('journal: torn last record dropped');
    }
    this.records = good;
    // Rewrite compactly when it holds only whole records or has grown large: one record of the current lengths.
    if (goodBytes !== Buffer.byteLength(text) || good > 10_000) this.compact();
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  private apply(r: JournalRecord): void {
    if (typeof r.b !== 'number' || typeof r.s !== 'object') throw new Error('bad record');
    this.seq = Math.max(this.seq, r.b);
    for (const [k, v] of Object.entries(r.s)) this.lengths.set(k, v);
    const ids = [...(r.ids ?? []), ...(r.id ? [{ id: r.id, r: r.r }] : [])];
    for (const x of ids) {
      this.results.set(x.id, x.r);
      if (this.results.size > 1000) this.results.delete(this.results.keys().next().value as string);
    }
  }

  private compact(): void {
    const rec: JournalRecord = { b: this.seq, s: Object.fromEntries(this.lengths) };
    const tmp = this.path + '.tmp';
    writeFileSync(tmp, JSON.stringify(rec) + '\n');
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.records = 1;
  }

  committedLength(store: string): number {
    return this.lengths.get(store) ?? 0;
  }

  /** Appends one record and syncs it (fdatasync off the event loop). */
  async commit(lengths: Record<string, number>, results: Array<{ id: string; r: unknown }> = []): Promise<void> {
    const rec: JournalRecord = { b: this.seq + 1, s: lengths };
    if (results.length) rec.ids = results;
    const line = Buffer.from(JSON.stringify(rec) + '\n');
    try {
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
      await new Promise<void>((resolve, reject) => fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
    } catch (e) {
      // A partial line must not stay in front of the next record (full disk, I/O error).
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the torn line is dropped at the next start
      }
      throw e;
    }
    this.size += line.length;
    this.apply(rec);
    this.records++;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
