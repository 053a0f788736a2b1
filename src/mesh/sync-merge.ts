// Rebase of a pending edit over a remote change (sync.md §4.4, decision 5): fields changed on one
// side only merge automatically; a field changed on both sides to different values makes a
// conflict that keeps both versions; nothing is dropped silently.
import type { EntryFields } from './catalog/entries.ts';
import type { CatalogEvent } from './catalog/frame.ts';

export type RebaseOutcome =
  | { kind: 'keep'; event: CatalogEvent; fields: EntryFields | null; notice?: string }
  | { kind: 'drop'; notice?: string }
  | { kind: 'conflict'; fields: string[] };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Field-by-field equality, ignoring member order. */
export function sameEntry(a: EntryFields, b: EntryFields): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
}

/** List fields merge as a union (Comments, key lists). */
function unionList(a: unknown, b: unknown): unknown[] {
  const out: unknown[] = [];
  for (const x of [...(Array.isArray(a) ? a : []), ...(Array.isArray(b) ? b : [])]) if (!out.some((y) => same(x, y))) out.push(x);
  return out;
}

/** Three-way merge; returns the merged fields, or the names of fields in conflict. */
export function mergeFields(base: EntryFields | null, local: EntryFields, remote: EntryFields): { merged: EntryFields } | { conflicts: string[] } {
  const names = new Set([...Object.keys(local), ...Object.keys(remote), ...Object.keys(base ?? {})]);
  const merged: EntryFields = {};
  const conflicts: string[] = [];
  for (const k of names) {
    const l = local[k];
    const r = remote[k];
    if (same(l, r)) {
      if (l !== undefined) merged[k] = l;
      continue;
    }
    if (Array.isArray(l) || Array.isArray(r)) {
      merged[k] = unionList(l, r);
      continue;
    }
    // Without a base, every difference counts as a change on both sides.
    const localChanged = base === null || !same(l, base[k]);
    const remoteChanged = base === null || !same(r, base[k]);
    if (localChanged && remoteChanged) conflicts.push(k);
    else {
      const v = localChanged ? l : r;
      if (v !== undefined) merged[k] = v;
    }
  }
  return conflicts.length ? { conflicts } : { merged };
}

/**
 * Decides what becomes of a local edit when the entry changed remotely since its base.
 * `remoteEvent` is the event of the latest confirmed frame for the id.
 */
export function rebaseEdit(localEvent: CatalogEvent, localFields: EntryFields | null, base: EntryFields | null, remoteEvent: CatalogEvent, remote: EntryFields | null): RebaseOutcome {
  const remoteDeleted = remoteEvent === 'Delete' || remote === null;
  if (localEvent === 'Delete') {
    if (remoteDeleted) return { kind: 'drop' };
    return { kind: 'drop', notice: 'delete not applied: the entry was edited on another device' };
  }
  if (remoteDeleted) {
    return { kind: 'keep', event: 'New', fields: localFields, notice: 're-created: the entry was deleted on another device after this edit' };
  }
  const m = mergeFields(base, localFields ?? {}, remote!);
  if ('conflicts' in m) return { kind: 'conflict', fields: m.conflicts };
  if (sameEntry(m.merged, remote!)) return { kind: 'drop' };
  return { kind: 'keep', event: 'Update', fields: m.merged };
}
