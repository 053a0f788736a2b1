// Which chunks of a store's pending queue a commit must re-seal. The queue is kept in IndexedDB as
// sealed chunks of up to PENDING_CHUNK edits; a sync round changes a few edits (envelopes built,
// edits accepted, landed edits removed), so re-sealing only the chunks holding them keeps a commit
// small even with 10,000 queued edits. Edits are replaced by new objects when they change, except
// `envelope` and `acceptedIndex`, which the sync engine sets in place: `acceptedIndex` is part of the
// stamp; `envelope` is not stored (sealedEdit), so a prepared frame costs no commit.
import type { PendingEdit } from '../mesh/sync-local.ts';

export const PENDING_CHUNK = 500;

/** What was last written: for each chunk (by seq) its edits, and each edit's stamp then. */
export interface PendingLayout {
  chunks: Map<number, PendingEdit[]>;
  stamps: WeakMap<PendingEdit, string>;
}

export interface PendingPlan {
  layout: PendingLayout;
  /** Chunks to (re-)seal and write, by seq. */
  write: Map<number, PendingEdit[]>;
}

const stamp = (e: PendingEdit): string => `${e.frameId}|${e.acceptedIndex ?? ''}|${e.conflict ? 1 : 0}`;

/** What is sealed of an edit: all but its prepared frame, which is rebuilt when needed (PendingEdit.envelope). */
export function sealedEdit(e: PendingEdit): PendingEdit {
  if (!e.envelope) return e;
  const { envelope: _envelope, ...rest } = e;
  return rest;
}

/** The layout of chunks as loaded (each loaded record's edits, by seq). */
export function loadedLayout(chunks: Map<number, PendingEdit[]>): PendingLayout {
  const stamps = new WeakMap<PendingEdit, string>();
  for (const edits of chunks.values()) for (const e of edits) stamps.set(e, stamp(e));
  return { chunks, stamps };
}

/** Every chunk rewritten from seq 0 (no layout known, or the queue was reordered). */
function rewriteAll(pending: PendingEdit[]): PendingPlan {
  const chunks = new Map<number, PendingEdit[]>();
  for (let i = 0; i < pending.length; i += PENDING_CHUNK) chunks.set(i / PENDING_CHUNK, pending.slice(i, i + PENDING_CHUNK));
  return { layout: loadedLayout(chunks), write: new Map(chunks) };
}

/**
 * Places each edit of the new queue in the chunk that held its id before (new ids go to the end),
 * and returns the chunks whose members or stamps changed. Falls back to rewriting everything when
 * that placement would not keep the queue's order.
 */
export function planPendingCommit(previous: PendingLayout | undefined, pending: PendingEdit[]): PendingPlan {
  if (!previous) return rewriteAll(pending);
  const chunkOfId = new Map<string, number>();
  let last = -1;
  for (const [seq, edits] of previous.chunks) {
    for (const e of edits) chunkOfId.set(e.id, seq);
    last = Math.max(last, seq);
  }
  const chunks = new Map<number, PendingEdit[]>();
  let tail = last;
  let tailSize = previous.chunks.get(last)?.length ?? PENDING_CHUNK;
  let prevSeq = -1;
  for (const e of pending) {
    let seq = chunkOfId.get(e.id);
    if (seq === undefined) {
      if (tailSize >= PENDING_CHUNK) {
        tail++;
        tailSize = 0;
      }
      seq = tail;
      tailSize++;
    }
    if (seq < prevSeq) return rewriteAll(pending);
    prevSeq = seq;
    if (!chunks.has(seq)) chunks.set(seq, []);
    chunks.get(seq)!.push(e);
  }
  // Many part-empty chunks (edits removed over time): compact.
  if (chunks.size > 2 * Math.ceil(pending.length / PENDING_CHUNK) + 2) return rewriteAll(pending);
  const stamps = new WeakMap<PendingEdit, string>();
  const write = new Map<number, PendingEdit[]>();
  for (const [seq, edits] of chunks) {
    const before = previous.chunks.get(seq);
    let dirty = !before || before.length !== edits.length;
    for (let i = 0; i < edits.length; i++) {
      const s = stamp(edits[i]);
      stamps.set(edits[i], s);
      if (!dirty && (before![i] !== edits[i] || previous.stamps.get(edits[i]) !== s)) dirty = true;
    }
    if (dirty) write.set(seq, edits);
  }
  return { layout: { chunks, stamps }, write };
}
