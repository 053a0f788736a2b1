// Index frames (dare.md §6.3 SequenceIndex): a meta frame listing where frames are, so a reader
// coming from the end (backward) can find an entry without scanning the whole sequence.
import { MeshError } from '../errors.ts';
import { fromBase64Url } from '../bytes.ts';
import { parseJsonText, isPlainObject } from './model.ts';
import { appendFrame, readBackward, type AppendResult, type SequenceFrame, type SequenceState } from './sequence.ts';

export interface IndexEntry {
  Index: number;
  Position: number;
  UniqueId?: string;
}

/** The UniqueId a frame's ContentMetaData names, if any. */
export function uniqueIdOf(f: SequenceFrame): string | undefined {
  const cm = f.header.ContentMetaData;
  if (typeof cm !== 'string') return undefined;
  try {
    const meta = parseJsonText(fromBase64Url(cm));
    return isPlainObject(meta) && typeof meta.UniqueId === 'string' ? meta.UniqueId : undefined;
  } catch {
    return undefined;
  }
}

/** One entry per non-meta frame after frame 0; later frames of the same UniqueId replace earlier ones. */
export function indexEntries(frames: SequenceFrame[]): IndexEntry[] {
  const byId = new Map<string, IndexEntry>();
  const anonymous: IndexEntry[] = [];
  for (const f of frames) {
    if (f.index === 0 || f.header.SequenceInfo?.IsMeta) continue;
    const id = uniqueIdOf(f);
    const e: IndexEntry = { Index: f.index, Position: f.position };
    if (id === undefined) anonymous.push(e);
    else byId.set(id, { ...e, UniqueId: id });
  }
  return [...anonymous, ...byId.values()].sort((a, b) => a.Index - b.Index);
}

/** Builds an index frame (empty payload, SequenceIndex in the header). */
export function appendIndexFrame(state: SequenceState, entries: IndexEntry[]): Promise<AppendResult> {
  return appendFrame(state, new Uint8Array(0), { meta: true, header: { SequenceIndex: { Full: true, Positions: entries } } });
}

/** The newest index frame's entries, reading backward from the end; undefined if none. */
export function findIndex(bytes: Uint8Array): { frame: SequenceFrame; entries: IndexEntry[] } | undefined {
  for (const f of readBackward(bytes)) {
    const si = f.header.SequenceIndex;
    if (si === undefined) continue;
    if (!isPlainObject(si) || !Array.isArray(si.Positions)) throw new MeshError('malformed', 'SequenceIndex must list Positions');
    const entries = si.Positions.map((p) => {
      if (!isPlainObject(p) || !Number.isSafeInteger(p.Index) || !Number.isSafeInteger(p.Position)) throw new MeshError('malformed', 'bad SequenceIndex entry');
      return p as IndexEntry;
    });
    return { frame: f, entries };
  }
  return undefined;
}
