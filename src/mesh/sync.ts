// The sync engine (sync.md §4): Status → Download new frames → verify → apply → Transact pending
// edits, with rebase on 409. Shared by the CLI (files) and the extension (IndexedDB) through
// SyncLocal; the transport is the protocol client. Integrity rules: decisions 2, 9, 13, 14.
import { envelopeText } from './protocol/envelope-text.ts';
import { MeshError } from './errors.ts';
import { equal, fromBase64Url, toBase64Url } from './bytes.ts';
import { sha512Of } from './dare/primitives.ts';
import { trailerBytes } from './dare/model.ts';
import { treeDigest } from './dare/merkle.ts';
import { udfNonce as nonceUdf } from './udf.ts';
import type { ConstraintsSelect, DownloadResponse, EnvelopeJson, StatusResponse, StoreStatus, StoreUpdate, TransactResponse, EntryResponse } from './protocol/messages.ts';
import type { Signer } from './dare/signature.ts';
import {
  batchDigest, buildBatchFrame, buildCheckpointFrame, buildEntryFrame, decodeEntry, frameInfo, frameSignedBy, newSharedExchange, readBatch, readCheckpoint,
  type Batch, type CatalogEvent, type FrameInfo, type SharedExchange, type StoreReadKeys, type StoreWriteKeys,
} from './catalog/frame.ts';
import type { CatalogRecord } from './catalog/index.ts';
import { normalizeFields, storeKind, type EntryFields } from './catalog/entries.ts';
import { rebaseEdit, sameEntry } from './sync-merge.ts';
import { StoreReplica } from './sync-replica.ts';
import type { ConfirmedFrame, PendingEdit, SyncLocal } from './sync-local.ts';

export { StoreReplica } from './sync-replica.ts';
export type { ConfirmedFrame, PendingEdit, StoreSyncState, SyncLocal, ConflictInfo, StoreCommit } from './sync-local.ts';
export { MemorySyncLocal } from './sync-local.ts';

/** What the engine needs from the protocol client (MeshClient satisfies it). */
export interface SyncTransport {
  status(stores?: string[], extra?: DeviceIdentity): Promise<StatusResponse>;
  downloadPage(select: ConstraintsSelect[], opts?: { maxResults?: number } & DeviceIdentity): Promise<DownloadResponse>;
  transact(input: { updates?: StoreUpdate[] }): Promise<TransactResponse>;
}

/** Sent with Status/Download so the service returns the device record only when it changed. */
export interface DeviceIdentity {
  deviceUdf?: string;
  catalogedDeviceDigest?: string;
}

export interface SyncStoreKeys {
  read: StoreReadKeys;
  /** Absent: the device only reads this store. */
  write?: StoreWriteKeys;
}

export interface SyncOptions {
  transport: SyncTransport;
  local: SyncLocal;
  replicas: StoreReplica[];
  keys: Record<string, SyncStoreKeys>;
  /** Frames per Download page (default 500). */
  pageSize?: number;
  /** Status/Download/Transact rounds before giving up (default 5). */
  maxRounds?: number;
  /** Write a signed checkpoint when this many frames follow the last one (default 256; 0 = never). */
  checkpointEvery?: number;
  /** Frames per Transact (default 1000; a batch is also cut at BATCH_BYTES of envelopes). */
  batchSize?: number;
  now?: () => Date;
  /** Upper bound on frames held for one verification pass (default 200 000). */
  maxFrames?: number;
  device?: DeviceIdentity;
}

export interface StoreSyncReport {
  store: string;
  downloaded: number;
  uploaded: number;
  /** Entries in conflict (set aside for the user). */
  conflicts: number;
  notices: string[];
  /** Index of the last confirmed frame. */
  index: number;
}

export interface SyncReport {
  stores: StoreSyncReport[];
  /** false when edits remain queued (service kept refusing; try later). */
  complete: boolean;
  /** The service sent a (new) CatalogedDevice digest: keep it and send it next time. */
  catalogedDeviceDigest?: string;
  /** The device record that came with it (re-configuration, connect.md §7). */
  envelopedCatalogedDevice?: EnvelopeJson;
}

const nowIso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const locks = new WeakMap<SyncLocal, Promise<unknown>>();

/** One sync at a time per local state (sync.md §4.3). */
function exclusive<T>(local: SyncLocal, f: () => Promise<T>): Promise<T> {
  const prev = locks.get(local) ?? Promise.resolve();
  const run = prev.then(f, f);
  locks.set(local, run.catch(() => undefined));
  return run;
}

export function syncStores(opts: SyncOptions): Promise<SyncReport> {
  return exclusive(opts.local, () => runSync(opts));
}

async function runSync(opts: SyncOptions): Promise<SyncReport> {
  const now = opts.now ?? (() => new Date());
  const reports = new Map<string, StoreSyncReport>();
  for (const r of opts.replicas) reports.set(r.store, { store: r.store, downloaded: 0, uploaded: 0, conflicts: 0, notices: [], index: r.lastIndex });
  const names = opts.replicas.map((r) => r.store);
  const maxRounds = opts.maxRounds ?? 5;
  // Rounds that upload a full batch do not count against maxRounds (large imports go through).
  let idle = 0;
  let deviceRecord: EnvelopeJson | undefined;
  for (let round = 0; idle < maxRounds && round < 100_000; round++) {
    const st = await opts.transport.status(names, opts.device);
    if (st.CatalogedDeviceDigest && opts.device) {
      opts.device = { ...opts.device, catalogedDeviceDigest: st.CatalogedDeviceDigest };
      if (st.EnvelopedCatalogedDevice) deviceRecord = st.EnvelopedCatalogedDevice;
    }
    for (const replica of opts.replicas) {
      const remote = st.StoreStatus?.find((s) => s.Store === replica.store);
      if (!remote) {
        if (replica.count > 0) throw new MeshError('rollback', `${replica.store}: the service no longer has this store (this device verified ${replica.count} frames)`, { store: replica.store });
        continue; // the store does not exist on the service yet
      }
      const rep = reports.get(replica.store)!;
      rep.downloaded += await pullStore(opts, replica, remote.Index, remote.Digest);
      await rebaseStore(opts, replica, rep);
      rep.index = replica.lastIndex;
    }
    const sent = await pushPending(opts);
    for (const [store, n] of sent.uploaded) reports.get(store)!.uploaded += n;
    if (sent.uploaded.size === 0) idle++;
    if (sent.done) {
      await maybeCheckpoint(opts, now);
      for (const r of opts.replicas) {
        r.state = { ...r.state, lastSync: nowIso(now()) };
        await opts.local.commit(r.store, { append: [], state: r.state, pending: r.pending });
        reports.get(r.store)!.conflicts = r.conflicts().length;
      }
      return { stores: [...reports.values()], complete: true, catalogedDeviceDigest: opts.device?.catalogedDeviceDigest, envelopedCatalogedDevice: deviceRecord };
    }
  }
  for (const r of opts.replicas) reports.get(r.store)!.conflicts = r.conflicts().length;
  return { stores: [...reports.values()], complete: false, catalogedDeviceDigest: opts.device?.catalogedDeviceDigest, envelopedCatalogedDevice: deviceRecord };
}

// ------------------------------------------------------------------ download and verification

/** Downloads and verifies everything after the replica's last frame; commits it all or nothing. */
async function pullStore(opts: SyncOptions, replica: StoreReplica, remoteIndex: number, remoteDigest: string | undefined): Promise<number> {
  const store = replica.store;
  if (remoteIndex < replica.lastIndex) {
    throw new MeshError('rollback', `${store}: the service now has ${remoteIndex + 1} frames, this device already verified ${replica.count} (rollback or lost data)`, { store });
  }
  if (remoteIndex === replica.lastIndex) {
    if (remoteDigest && replica.count > 0 && !equal(fromBase64Url(remoteDigest), replica.tree[replica.lastIndex])) {
      throw new MeshError('integrity', `${store}: the service's history differs from the one this device verified`, { store });
    }
    return 0;
  }
  const own = remoteDigest ? ownFrames(replica, remoteIndex, fromBase64Url(remoteDigest)) : undefined;
  if (own) return applyFrames(opts, replica, own);
  const envelopes = await download(opts, replica);
  let verified: Awaited<ReturnType<typeof verifyFrames>>;
  try {
    verified = await verifyFrames(opts, replica, envelopes, remoteIndex, remoteDigest);
  } catch (e) {
    // Whatever else is wrong, say first that this device's own accepted edits are missing (they are kept).
    if (e instanceof MeshError) await checkOwnEdits(opts, replica, envelopes.map(rawFrameId));
    throw e;
  }
  return applyFrames(opts, replica, verified);
}

const rawFrameId = (env: EnvelopeJson): string | undefined => {
  const id = (env as unknown[] | undefined)?.[0] as { EnvelopeId?: unknown } | undefined;
  return typeof id?.EnvelopeId === 'string' ? id.EnvelopeId : undefined;
};

async function download(opts: SyncOptions, replica: StoreReplica): Promise<EnvelopeJson[]> {
  const store = replica.store;
  const envelopes: EnvelopeJson[] = [];
  let from = replica.count;
  const pageSize = opts.pageSize ?? 500;
  for (;;) {
    const r = await opts.transport.downloadPage([{ Store: store, IndexMin: from }], { maxResults: pageSize, ...opts.device });
    const u = r.Updates?.find((x) => x.Store === store);
    const page = u?.Envelopes ?? [];
    envelopes.push(...page);
    if (envelopes.length > (opts.maxFrames ?? 200_000)) throw new MeshError('oversized', `${store}: too many frames in one sync`);
    if (!u?.Partial || page.length === 0) break;
    from += page.length;
  }
  return envelopes;
}

type OwnCandidate = { envelope: EnvelopeJson; edit?: PendingEdit };
/** An own frame in verified form, with the envelope it was made from. */
type OwnFrame = { verified: VerifiedFrame; source: EnvelopeJson; checkpoint: boolean };

/** This device's accepted uploads after the verified frames, by the index the service gave them. */
function ownCandidates(replica: StoreReplica): Map<number, OwnCandidate> {
  const byIndex = new Map<number, OwnCandidate>();
  for (const p of replica.pending) if (p.acceptedIndex !== undefined && p.acceptedIndex >= replica.count && p.envelope) byIndex.set(p.acceptedIndex, { envelope: p.envelope, edit: p });
  for (const [index, envelope] of replica.uploaded) if (index >= replica.count) byIndex.set(index, { envelope });
  return byIndex;
}

function ownFrame(replica: StoreReplica, index: number, mine: OwnCandidate, treeAt: (i: number) => Uint8Array | undefined): OwnFrame {
  const [header, body, trailer] = mine.envelope;
  // This device computed the PayloadDigest itself when it built the frame.
  const pd = typeof trailer?.PayloadDigest === 'string' ? fromBase64Url(trailer.PayloadDigest) : sha512Of(fromBase64Url(body));
  const t = treeDigest(index, pd, treeAt);
  const envelope: EnvelopeJson = [{ ...header, SequenceInfo: { ...(header.SequenceInfo as object), Index: index } }, body, { ...trailer, TreeDigest: toBase64Url(t) }];
  const e = mine.edit;
  // The entry as any reader decodes it: the fields as this device serialized them into the payload.
  const fields = e && e.event !== 'Delete' ? normalizeFields(storeKind(replica.store).tag, e.fields ?? {}) : null;
  const record: CatalogRecord | undefined = e && { uniqueId: e.uniqueId, index, event: e.event, fields, modified: e.modified, frameId: e.frameId };
  const frame: ConfirmedFrame = { index, envelope, tree: toBase64Url(t) };
  // Not enumerable: stores that serialize the frame object itself (the CLI's files) do not write it twice.
  Object.defineProperty(frame, 'json', { value: JSON.stringify(envelope), enumerable: false });
  return { verified: { frame, tree: t, frameId: String(header.EnvelopeId), record }, source: mine.envelope, checkpoint: !e && frameInfo(envelope).checkpoint };
}

/** Own frames already put in verified form while later uploads travelled, from `base` (the replica's count then) on. */
const ownAhead = new WeakMap<StoreReplica, { base: number; frames: OwnFrame[] }>();

/** Extends the run of own frames in verified form (work done while the next batch is at the service). */
function precomputeOwn(replica: StoreReplica): void {
  let ahead = ownAhead.get(replica);
  if (!ahead || ahead.base !== replica.count) ownAhead.set(replica, (ahead = { base: replica.count, frames: [] }));
  const run = ahead;
  const byIndex = ownCandidates(replica);
  const treeAt = (i: number): Uint8Array | undefined => (i < run.base ? replica.tree[i] : run.frames[i - run.base]?.verified.tree);
  for (let index = run.base + run.frames.length; byIndex.has(index); index++) run.frames.push(ownFrame(replica, index, byIndex.get(index)!, treeAt));
}

/**
 * The new frames, when they are all this device's own uploads (accepted edits and batch frames it
 * still holds) and the service's store digest equals the tree apex they make: they need not be
 * downloaded again. The apex covers every frame's payload digest, so the service holds exactly
 * these bodies; otherwise (any frame not ours, or any difference) the caller downloads and verifies.
 */
function ownFrames(replica: StoreReplica, remoteIndex: number, remoteDigest: Uint8Array): (VerifiedFrame[] & { checkpointAt?: number }) | undefined {
  const byIndex = ownCandidates(replica);
  if (byIndex.size < remoteIndex + 1 - replica.count) return undefined;
  const ahead = ownAhead.get(replica);
  ownAhead.delete(replica);
  let cached = ahead && ahead.base === replica.count ? ahead.frames : [];
  const out: VerifiedFrame[] & { checkpointAt?: number } = [];
  const treeAt = (i: number): Uint8Array | undefined => (i < replica.count ? replica.tree[i] : out[i - replica.count]?.tree);
  for (let index = replica.count; index <= remoteIndex; index++) {
    const mine = byIndex.get(index);
    if (!mine) return undefined;
    let own = cached[index - replica.count];
    // A cached frame counts only while every one before it did too (each tree digest builds on the last).
    if (own?.source !== mine.envelope) {
      cached = [];
      own = ownFrame(replica, index, mine, treeAt);
    }
    if (own.checkpoint) out.checkpointAt = index;
    out.push(own.verified);
  }
  if (!equal(out[out.length - 1].tree, remoteDigest)) return undefined;
  return out;
}

/**
 * An edit the service accepted at an index it now shows holding another frame was dropped — or
 * moved, when it shows up elsewhere: the edit is kept (to be sent again) and an integrity error
 * thrown. `frameIds`: the EnvelopeId of each new frame, from the replica's count on. Returns the
 * frame ids that landed.
 */
async function checkOwnEdits(opts: SyncOptions, replica: StoreReplica, frameIds: (string | undefined)[]): Promise<Set<string>> {
  const landed = new Set(frameIds.filter((x): x is string => !!x));
  const newLast = replica.count + frameIds.length - 1;
  const dropped = replica.pending.filter(
    (p) => p.acceptedIndex !== undefined && p.acceptedIndex <= newLast && (!landed.has(p.frameId) || (p.acceptedIndex >= replica.count && frameIds[p.acceptedIndex - replica.count] !== p.frameId)),
  );
  if (dropped.length) {
    replica.pending = replica.pending.map((p) => (dropped.includes(p) ? { ...p, acceptedIndex: undefined } : p));
    await opts.local.commit(replica.store, { append: [], state: replica.state, pending: replica.pending });
    const moved = dropped.filter((p) => landed.has(p.frameId)).length;
    const what = [...(dropped.length > moved ? [`dropped ${dropped.length - moved}`] : []), ...(moved ? [`moved ${moved}`] : [])].join(' and ');
    throw new MeshError('integrity', `${replica.store}: the service ${what} edit(s) it had accepted (kept here, to be sent again)`, { store: replica.store });
  }
  return landed;
}

/** Commits verified frames: the pending edits they confirm leave the queue (all or nothing). */
async function applyFrames(opts: SyncOptions, replica: StoreReplica, verified: VerifiedFrame[] & { checkpointAt?: number }): Promise<number> {
  const store = replica.store;
  for (const index of replica.uploaded.keys()) if (index <= replica.count + verified.length - 1) replica.uploaded.delete(index);
  const landed = await checkOwnEdits(opts, replica, verified.map((v) => v.frameId));
  // In-memory state changes synchronously before each commit, so a local edit queued while the
  // commit is in flight builds on it (commits are applied in the order they are issued).
  const lastTree = verified[verified.length - 1].tree;
  const state = { ...replica.state, count: replica.count + verified.length, apex: toBase64Url(lastTree), checkpointAt: verified.checkpointAt ?? replica.state.checkpointAt };
  replica.pending = replica.pending.filter((p) => !landed.has(p.frameId));
  replica.applyVerified(verified);
  replica.state = state;
  await opts.local.commit(store, { append: verified.map((v) => v.frame), state, pending: replica.pending });
  return verified.length;
}

interface VerifiedFrame {
  frame: ConfirmedFrame;
  tree: Uint8Array;
  frameId?: string;
  record?: CatalogRecord;
}

/**
 * Checks a downloaded run of frames against what this device already verified: contiguous service
 * indexes, tree digests (frame TreeDigest and StoreStatus.Digest), no frame id seen before, and a
 * signature by an account signing key on every entry frame not covered by a trusted checkpoint.
 * Any failure throws MeshError('integrity' | 'rollback') naming the store; nothing is applied.
 */
async function verifyFrames(opts: SyncOptions, replica: StoreReplica, envelopes: EnvelopeJson[], remoteIndex: number, remoteDigest: string | undefined): Promise<VerifiedFrame[] & { checkpointAt?: number }> {
  const store = replica.store;
  const bad = (msg: string, code: 'integrity' | 'rollback' = 'integrity'): never => {
    throw new MeshError(code, `${store}: ${msg}`, { store });
  };
  const expectedCount = remoteIndex + 1 - replica.count;
  if (envelopes.length < expectedCount) bad(`the service announced frames up to ${remoteIndex} but sent only ${envelopes.length} of ${expectedCount} (dropped or truncated)`);
  const keys = opts.keys[store]?.read ?? replica.keys;
  // Frames this device built itself (same EnvelopeId and payload digest) need no signature check.
  const own = new Map<string, string>();
  for (const p of replica.pending) {
    const pd = p.envelope?.[2] && (p.envelope[2] as { PayloadDigest?: unknown }).PayloadDigest;
    if (typeof pd === 'string') own.set(p.frameId, pd);
  }
  const infos: FrameInfo[] = [];
  const trees: Uint8Array[] = [];
  // SHA-512 of each frame's body, computed once here and reused by the signature, ownership and
  // PayloadDigest checks below (each still compares it against the frame's claims).
  const digests: Uint8Array[] = [];
  const seen = new Set<string>();
  const treeAt = (i: number): Uint8Array | undefined => (i < replica.count ? replica.tree[i] : trees[i - replica.count]);
  for (let k = 0; k < envelopes.length; k++) {
    const index = replica.count + k;
    let info: FrameInfo;
    try {
      info = frameInfo(envelopes[k]);
    } catch (e) {
      return bad(`frame ${index} is malformed (${(e as Error).message})`);
    }
    if (info.index !== index) bad(`expected frame ${index}, got ${info.index ?? 'a frame without index'} (frames reordered or dropped)`);
    // Headers are not signed: every frame after the store header must be an entry, and a frame
    // marked as a checkpoint must carry a checkpoint payload (else an entry could be hidden).
    if (index > 0 && (!info.uniqueId || !info.event)) bad(`frame ${index} is not a catalog entry (metadata altered?)`);
    if (info.checkpoint) {
      try {
        readCheckpoint(info);
      } catch {
        bad(`frame ${index} is marked as a checkpoint but is not one`);
      }
    }
    const pd = sha512Of(info.envelope.body);
    const claimedPd = trailerBytes(info.envelope, 'PayloadDigest');
    if (claimedPd && !equal(claimedPd, pd)) bad(`frame ${index} was altered (payload digest)`);
    const t = treeDigest(index, pd, treeAt);
    const claimed = trailerBytes(info.envelope, 'TreeDigest') ?? trailerBytes(info.envelope, 'ApexDigest');
    if (claimed && !equal(claimed, t)) bad(`frame ${index} does not extend the history this device verified (tree digest)`);
    if (info.frameId) {
      if (replica.frameIds.has(info.frameId) || seen.has(info.frameId)) bad(`frame ${index} repeats an earlier frame (${info.frameId}): replay`, 'rollback');
      seen.add(info.frameId);
    }
    infos.push(info);
    trees.push(t);
    digests.push(pd);
  }
  const lastIndex = replica.count + envelopes.length - 1;
  if (remoteDigest && lastIndex === remoteIndex && !equal(fromBase64Url(remoteDigest), trees[trees.length - 1])) bad('the store digest does not match the frames sent');

  // Newest checkpoint whose signature and apex check out covers every frame at or before it.
  let covered = replica.state.checkpointAt ?? -1;
  let checkpointAt: number | undefined;
  const verifiedSig = new Set<number>();
  for (let k = infos.length - 1; k >= 0; k--) {
    const info = infos[k];
    if (!info.checkpoint) continue;
    if (!frameSignedBy(info.envelope, keys.signers, digests[k])) bad(`checkpoint frame ${replica.count + k} is not signed by a device of the account`);
    verifiedSig.add(k);
    const cp = readCheckpoint(info);
    if (cp.index >= replica.count + k) bad(`checkpoint frame ${replica.count + k} names a later frame`);
    const t = treeAt(cp.index);
    if (!t || !equal(t, cp.apex)) bad(`checkpoint frame ${replica.count + k} does not match the history (apex of frame ${cp.index})`);
    covered = Math.max(covered, cp.index);
    checkpointAt = replica.count + k;
    break;
  }
  // A signed batch frame covers the frames of its upload, which come just before it in this run.
  const batchCovered = new Set<number>();
  for (let k = 0; k < infos.length; k++) {
    const info = infos[k];
    if (!info.batch) continue;
    const at = replica.count + k;
    let b: Batch;
    try {
      b = readBatch(info);
    } catch {
      return bad(`frame ${at} is marked as a batch signature but is not one`);
    }
    if (!frameSignedBy(info.envelope, keys.signers, digests[k])) bad(`batch frame ${at} is not signed by a device of the account`);
    verifiedSig.add(k);
    if (b.count > k) bad(`batch frame ${at} covers frames this device was not sent with it`);
    const first = k - b.count;
    for (let j = first; j < k; j++) if (infos[j].checkpoint || infos[j].batch) bad(`batch frame ${at} covers frame ${replica.count + j}, which is not an entry`);
    if (!equal(batchDigest(digests.slice(first, k)), b.digest)) bad(`batch frame ${at} does not match the ${b.count} frames before it (altered, dropped or reordered)`);
    for (let j = first; j < k; j++) batchCovered.add(j);
  }

  const out: VerifiedFrame[] & { checkpointAt?: number } = [];
  for (let k = 0; k < infos.length; k++) {
    const info = infos[k];
    const index = replica.count + k;
    let record: CatalogRecord | undefined;
    let baseSeed: Uint8Array | undefined;
    if (info.uniqueId && info.event && index > 0) {
      const ownPd = info.frameId !== undefined ? own.get(info.frameId) : undefined;
      const mine = ownPd !== undefined && ownPd === toBase64Url(digests[k]);
      if (!mine && !verifiedSig.has(k) && !batchCovered.has(k) && index > covered && !frameSignedBy(info.envelope, keys.signers, digests[k])) {
        bad(`frame ${index} is not signed by a device of the account`);
      }
      if (!info.checkpoint && !info.batch) {
        let fields: EntryFields | null = null;
        try {
          const d = await decodeEntry(store, info, keys, { seeds: replica.seeds, payloadDigest: digests[k] });
          fields = d.fields;
          baseSeed = d.baseSeed;
        } catch (e) {
          if (!(e instanceof MeshError)) throw e;
          // Opaque only when the frame is not meant for our keys; a frame addressed to our store key
          // that does not open was altered (the recipient block and Salt are not signed).
          const ours = new Set(keys.decrypt.map((k) => k.kid).filter(Boolean));
          const addressed = (info.envelope.header.recipients ?? []).some((r) => typeof r.kid === 'string' && ours.has(r.kid));
          if (e.code !== 'decrypt' || addressed) bad(`frame ${index}: ${e.message}`);
        }
        record = { uniqueId: info.uniqueId, index, event: info.event, fields, modified: info.modified, frameId: info.frameId };
      }
    }
    const frame: ConfirmedFrame = { index, envelope: envelopes[k], tree: toBase64Url(trees[k]) };
    if (baseSeed) frame.baseSeed = toBase64Url(baseSeed);
    out.push({ frame, tree: trees[k], frameId: info.frameId, record });
  }
  if (checkpointAt !== undefined) out.checkpointAt = checkpointAt;
  return out;
}

// ------------------------------------------------------------------ rebase (sync.md §4.4)

async function entryAt(opts: SyncOptions, replica: StoreReplica, index: number): Promise<EntryFields | null> {
  if (index <= 0) return null;
  const f = await opts.local.loadFrame(replica.store, index);
  if (!f) return null;
  try {
    const info = frameInfo(f.envelope);
    return (await decodeEntry(replica.store, info, replica.keys, { baseSeed: f.baseSeed ? fromBase64Url(f.baseSeed) : undefined, seeds: replica.seeds })).fields;
  } catch {
    return null;
  }
}

async function rebaseStore(opts: SyncOptions, replica: StoreReplica, rep: StoreSyncReport): Promise<void> {
  // Outcomes by edit object; applied afterwards to the current queue (edits queued meanwhile stay).
  const outcomes = new Map<PendingEdit, PendingEdit | null>();
  for (const p of replica.pending.slice()) {
    if (p.acceptedIndex !== undefined || p.conflict) continue;
    const latest = replica.catalog.get(p.uniqueId);
    const latestIndex = latest?.index ?? 0;
    if (latestIndex === p.base || !latest) continue;
    if (latest.frameId && p.sent?.includes(latest.frameId)) {
      // Our own earlier version landed: this edit simply follows it.
      const live = latest.event !== 'Delete';
      outcomes.set(p, p.event === 'Delete' && !live ? null : { ...p, event: p.event === 'Delete' ? 'Delete' : live ? 'Update' : 'New', base: latestIndex, frameId: nonceUdf(), envelope: undefined });
      continue;
    }
    const base = await entryAt(opts, replica, p.base);
    const outcome = rebaseEdit(p.event, p.fields, base, latest.event, latest.fields);
    if (outcome.kind === 'drop') {
      if (outcome.notice) rep.notices.push(`${p.uniqueId}: ${outcome.notice}`);
      outcomes.set(p, null);
    } else if (outcome.kind === 'conflict') {
      outcomes.set(p, { ...p, envelope: undefined, conflict: { remoteIndex: latestIndex, remote: latest.fields, remoteModified: latest.modified, base, fields: outcome.fields } });
      rep.notices.push(`${p.uniqueId}: conflict on ${outcome.fields.join(', ')}; both versions kept`);
    } else {
      if (outcome.notice) rep.notices.push(`${p.uniqueId}: ${outcome.notice}`);
      outcomes.set(p, { ...p, event: outcome.event, fields: outcome.fields, base: latestIndex, frameId: nonceUdf(), envelope: undefined, notice: outcome.notice });
    }
  }
  if (outcomes.size === 0) return;
  const next: PendingEdit[] = [];
  for (const p of replica.pending) {
    if (!outcomes.has(p)) next.push(p);
    else if (outcomes.get(p)) next.push(outcomes.get(p)!);
  }
  replica.pending = next;
  await opts.local.commit(replica.store, { append: [], state: replica.state, pending: next });
}

// ------------------------------------------------------------------ upload

const BATCH_BYTES = 3 * 1024 * 1024;
/** The service checks the administrator signature of each frame of these stores: never batch-signed. */
const EACH_FRAME_SIGNED = new Set(['Access', 'Device']);

const envelopeSigned = (env: EnvelopeJson): boolean => ((env[2] as { signatures?: unknown[] } | undefined)?.signatures?.length ?? 0) > 0;
const envelopePayloadDigest = (env: EnvelopeJson): Uint8Array => fromBase64Url(String((env[2] as { PayloadDigest?: unknown } | undefined)?.PayloadDigest ?? ''));

type StoreBatch = Map<StoreReplica, PendingEdit[]>;

/** Up to batchSize edits ready to send, by store, leaving out those already on their way. */
function selectBatch(opts: SyncOptions, inFlight: Set<PendingEdit>): StoreBatch {
  const batchSize = opts.batchSize ?? 1000;
  const byStore: StoreBatch = new Map();
  let n = 0;
  for (const replica of opts.replicas) {
    for (const p of replica.pending) {
      if (n >= batchSize) break;
      if (p.acceptedIndex !== undefined || p.conflict || inFlight.has(p)) continue;
      if (!byStore.has(replica)) byStore.set(replica, []);
      byStore.get(replica)!.push(p);
      n++;
    }
  }
  return byStore;
}

/**
 * Builds the frames of a batch that lack one (many frames: no signature of their own, the batch
 * frame signs them) and cuts the batch where its envelopes would exceed BATCH_BYTES (the service
 * refuses bodies above 4 MiB).
 */
async function prepareBatch(opts: SyncOptions, byStore: StoreBatch, exchanges: Map<StoreReplica, SharedExchange>): Promise<StoreBatch> {
  let bytes = 0;
  const out: StoreBatch = new Map();
  for (const [replica, edits] of byStore) {
    const write = opts.keys[replica.store]?.write;
    if (!write) throw new MeshError('auth', `${replica.store}: this device has no key to write this store`);
    const toPrepare = edits.filter((e) => !e.envelope);
    // One key exchange per store for a whole upload (an import of 10,000 logins: one, not one per batch).
    let shared: SharedExchange | undefined;
    if (toPrepare.length > 1) {
      shared = exchanges.get(replica) ?? (await newSharedExchange(write.recipient));
      exchanges.set(replica, shared);
    }
    const unsigned = toPrepare.length > 1 && !EACH_FRAME_SIGNED.has(replica.store);
    const kept: PendingEdit[] = [];
    for (const e of edits) {
      e.envelope ??= await buildEntryFrame(
        { store: replica.store, uniqueId: e.uniqueId, event: e.event, previous: e.base, modified: e.modified, frameId: e.frameId, indexHint: replica.count + kept.length, fields: e.fields ?? undefined },
        write,
        shared,
        { unsigned },
      );
      const size = envelopeText(e.envelope).length;
      if (bytes > 0 && bytes + size > BATCH_BYTES) break;
      bytes += size;
      kept.push(e);
    }
    if (kept.length) out.set(replica, kept);
    if (kept.length < edits.length) break;
  }
  return out;
}

/**
 * Sends one prepared batch as one Transact (each store's frames followed by a signed batch frame
 * when some lack their own signature) and marks, in memory, what the service accepted (recordAnswer
 * commits it). An edit replaced by a newer local edit while its frame was being built is not sent.
 * Returns false on a conflict.
 */
async function sendBatch(opts: SyncOptions, prepared: StoreBatch, uploaded: Map<string, number>): Promise<SentBatch | false> {
  const updates: StoreUpdate[] = [];
  const sent: [StoreReplica, PendingEdit[], EnvelopeJson | undefined][] = [];
  for (const [replica, all] of prepared) {
    const present = new Set(replica.pending);
    const edits = all.filter((e) => present.has(e) && e.envelope && e.acceptedIndex === undefined);
    if (!edits.length) continue;
    const envelopes = edits.map((e) => e.envelope!);
    let batch: EnvelopeJson | undefined;
    if (envelopes.some((env) => !envelopeSigned(env))) {
      const signer = opts.keys[replica.store]!.write!.signer;
      batch = await buildBatchFrame(nonceUdf(), nonceUdf(), envelopes.map(envelopePayloadDigest), signer, nowIso((opts.now ?? (() => new Date()))()), replica.count + edits.length);
      envelopes.push(batch);
    }
    updates.push({ Store: replica.store, Index: replica.lastIndex, Envelopes: envelopes });
    sent.push([replica, edits, batch]);
  }
  if (!updates.length) return { statuses: [], replicas: [] };
  let response: TransactResponse;
  try {
    response = await opts.transport.transact({ updates });
  } catch (e) {
    if (e instanceof MeshError && e.code === 'conflict') return false; // the next round downloads the winners and rebases
    throw e;
  }
  const entries = new Map<number | undefined, EntryResponse>((response.Entries ?? []).map((x) => [x.IndexRequest, x]));
  let position = 0;
  const accepted = () => {
    const entry = entries.get(position++);
    return entry?.Result === 'Accept' ? entry.IndexContainer : undefined;
  };
  for (const [replica, edits, batch] of sent) {
    for (const e of edits) {
      const index = accepted();
      if (index !== undefined) e.acceptedIndex = index;
    }
    const index = batch ? accepted() : undefined;
    if (batch && index !== undefined) replica.uploaded.set(index, batch);
    uploaded.set(replica.store, (uploaded.get(replica.store) ?? 0) + edits.length);
  }
  return { statuses: response.StoreStatus ?? [], replicas: sent.map(([replica]) => replica) };
}

/**
 * Records what a Transact's answer says, while the next batch travels. The stores as the Transact left
 * them (its StoreStatus, sync-performance 13): where this device's own frames make exactly that apex they are
 * confirmed now, instead of all at the next Status; otherwise the edits are committed as accepted, to
 * be confirmed by Status (and a download when the frames are not all ours).
 */
async function recordAnswer(opts: SyncOptions, answer: SentBatch): Promise<void> {
  for (const replica of answer.replicas) {
    const status = answer.statuses.find((x) => x.Store === replica.store);
    const own = status?.Digest && status.Index >= replica.count ? ownFrames(replica, status.Index, fromBase64Url(status.Digest)) : undefined;
    if (own) await applyFrames(opts, replica, own);
    else await opts.local.commit(replica.store, { append: [], state: replica.state, pending: replica.pending });
  }
}

/** A batch the service answered: the stores as it left them, and the replicas it wrote to. */
interface SentBatch {
  statuses: StoreStatus[];
  replicas: StoreReplica[];
}

/**
 * Sends every ready edit, batch after batch; the next batch's frames are built while the service
 * handles the current one. `done`: nothing was left to send.
 */
async function pushPending(opts: SyncOptions): Promise<{ done: boolean; uploaded: Map<string, number> }> {
  const uploaded = new Map<string, number>();
  const exchanges = new Map<StoreReplica, SharedExchange>();
  let prepared = await prepareBatch(opts, selectBatch(opts, new Set()), exchanges);
  if (prepared.size === 0) return { done: true, uploaded };
  let confirming: Promise<void> = Promise.resolve();
  while (prepared.size) {
    // Outcomes are captured at once (a rejection is never left unhandled while the other runs), and
    // all settle before anything is thrown: no build, send or commit left running on its own.
    const sending = sendBatch(opts, prepared, uploaded).then((answer) => ({ answer }), (error: unknown) => ({ error }));
    const inFlight = new Set([...prepared.values()].flat());
    // While this batch is at the service: record the last one's answer, build the next one.
    const confirmed = await confirming.then(() => ({}), (error: unknown) => ({ error }));
    const following = await prepareBatch(opts, selectBatch(opts, inFlight), exchanges).then((batch) => ({ batch }), (error: unknown) => ({ error }));
    for (const replica of opts.replicas) precomputeOwn(replica);
    const sent = await sending;
    if ('error' in confirmed) throw confirmed.error;
    if ('error' in sent) throw sent.error;
    if ('error' in following) throw following.error;
    if (sent.answer === false) break;
    confirming = recordAnswer(opts, sent.answer);
    prepared = following.batch;
  }
  await confirming;
  for (const replica of opts.replicas) precomputeOwn(replica);
  return { done: false, uploaded };
}

async function maybeCheckpoint(opts: SyncOptions, now: () => Date): Promise<void> {
  const every = opts.checkpointEvery ?? 256;
  if (every <= 0) return;
  const updates: StoreUpdate[] = [];
  const written: StoreReplica[] = [];
  for (const r of opts.replicas) {
    const write = opts.keys[r.store]?.write;
    if (!write || r.count < 2) continue;
    if (r.lastIndex - (r.state.checkpointAt ?? 0) < every) continue;
    const env = await buildCheckpointFrame(nonceUdf(), nonceUdf(), { index: r.lastIndex, apex: r.tree[r.lastIndex] }, write.signer, nowIso(now()), r.count);
    updates.push({ Store: r.store, Index: r.lastIndex, Envelopes: [env] });
    written.push(r);
  }
  if (!updates.length) return;
  try {
    const response = await opts.transport.transact({ updates });
    for (const entry of response.Entries ?? []) {
      const r = entry.IndexRequest !== undefined ? written[entry.IndexRequest] : undefined;
      if (r && entry.Result === 'Accept' && entry.IndexContainer !== undefined) r.uploaded.set(entry.IndexContainer, updates[entry.IndexRequest!].Envelopes![0]);
    }
  } catch (e) {
    if (!(e instanceof MeshError) || e.code === 'integrity') throw e; // a checkpoint is an optimisation: retry next sync
  }
}

// ------------------------------------------------------------------ local edits

export interface EditInput {
  /** Absent for a new entry: a fresh nonce UDF becomes UniqueId and Uid (decision 6). */
  uniqueId?: string;
  event: CatalogEvent;
  /** Complete entry fields (New/Update). */
  fields?: EntryFields;
}

/**
 * Queues a local edit durably (sync.md §4.1): it replaces an unaccepted queued edit of the same
 * id (keeping the older base); after an accepted one it is queued separately on that index.
 */
export async function queueEdit(local: SyncLocal, replica: StoreReplica, input: EditInput, now: () => Date = () => new Date()): Promise<PendingEdit> {
  const [edit] = await queueEdits(local, replica, [input], now);
  return edit;
}

/** Queues many edits with one durable commit (imports). */
export async function queueEdits(local: SyncLocal, replica: StoreReplica, inputs: EditInput[], now: () => Date = () => new Date()): Promise<PendingEdit[]> {
  // Edits queued together are made at the same moment (an import: one clock read, not 10,000).
  const modified = nowIso(now());
  const byId = new Map<string, PendingEdit[]>();
  for (const p of replica.pending) {
    if (!byId.has(p.uniqueId)) byId.set(p.uniqueId, []);
    byId.get(p.uniqueId)!.push(p);
  }
  const removed = new Set<PendingEdit>();
  const added: PendingEdit[] = [];
  const out: PendingEdit[] = [];
  for (const input of inputs) {
    const uniqueId = input.uniqueId ?? nonceUdf();
    const queued = (byId.get(uniqueId) ?? []).filter((p) => !removed.has(p));
    const r = planEdit(replica, queued, { ...input, uniqueId }, modified);
    if (r.replaces) removed.add(r.replaces);
    if (r.queued) {
      added.push(r.edit);
      if (!byId.has(uniqueId)) byId.set(uniqueId, []);
      byId.get(uniqueId)!.push(r.edit);
    }
    out.push(r.edit);
  }
  replica.pending = [...replica.pending, ...added].filter((p) => !removed.has(p));
  await local.commit(replica.store, { append: [], state: replica.state, pending: replica.pending });
  return out;
}

/** The edit `input` makes, given the edits already queued for the same id. */
function planEdit(replica: StoreReplica, queued: PendingEdit[], input: EditInput & { uniqueId: string }, modified: string): { edit: PendingEdit; replaces?: PendingEdit; queued: boolean } {
  const uniqueId = input.uniqueId;
  let fields = input.event === 'Delete' ? null : { ...(input.fields ?? {}) };
  if (fields && (replica.store === 'Credential' || replica.store === 'Bookmark') && fields.Uid === undefined) fields = { ...fields, Uid: uniqueId };
  const confirmed = replica.catalog.get(uniqueId);
  const open = queued.find((p) => p.acceptedIndex === undefined);
  const accepted = queued.filter((p) => p.acceptedIndex !== undefined).sort((a, b) => b.acceptedIndex! - a.acceptedIndex!)[0];
  let base = accepted?.acceptedIndex ?? confirmed?.index ?? 0;
  if (open) base = open.base;
  const liveBefore = open ? open.event !== 'Delete' : accepted ? accepted.event !== 'Delete' : confirmed ? confirmed.event !== 'Delete' : false;
  if (input.event === 'Delete' && !liveBefore) throw new MeshError('not-found', `no entry ${uniqueId} to delete`);
  let event: CatalogEvent = input.event;
  // Event follows the state the edit supersedes (sync.md §5.1 rule 3).
  const baseLive = accepted ? accepted.event !== 'Delete' : confirmed ? confirmed.event !== 'Delete' && base === confirmed.index : false;
  if (event !== 'Delete') event = baseLive ? 'Update' : 'New';
  if (open && open.event === 'New' && event === 'Delete' && !baseLive) {
    // A never-sent new entry deleted again: just forget it.
    return { edit: { ...open, event: 'Delete', fields: null }, replaces: open, queued: false };
  }
  const edit: PendingEdit = {
    id: open?.id ?? nonceUdf(),
    store: replica.store,
    uniqueId,
    event,
    fields,
    base,
    frameId: nonceUdf(),
    modified,
  };
  // The replaced version may already be on the service (sent, answer lost): remember its frame id. Not
  // only when its frame is at hand: a local store may drop built frames (PendingEdit.envelope), and
  // an id that never lands costs nothing. The newest 64 are kept.
  const sent = [...(open?.sent ?? []), ...(open ? [open.frameId] : [])].slice(-64);
  if (sent.length) edit.sent = sent;
  return { edit, replaces: open, queued: true };
}

/**
 * Resolves a conflict with the version the user chose (or merged): it becomes an Update based on
 * the remote frame it was resolved against (sync.md §4.4). Returns the values that lost, for the
 * caller's local conflict history.
 */
export async function resolveConflict(local: SyncLocal, replica: StoreReplica, editId: string, chosen: EntryFields): Promise<{ edit: PendingEdit; lost: EntryFields[] }> {
  const p = replica.pending.find((x) => x.id === editId);
  if (!p?.conflict) throw new MeshError('not-found', `no conflict ${editId}`);
  const c = p.conflict;
  const lost = [p.fields, c.remote].filter((f): f is EntryFields => !!f && JSON.stringify(f) !== JSON.stringify(chosen));
  const remoteLive = c.remote !== null;
  if (c.remote && sameEntry(c.remote, chosen)) {
    replica.pending = replica.pending.filter((x) => x !== p);
    await local.commit(replica.store, { append: [], state: replica.state, pending: replica.pending });
    return { edit: { ...p, conflict: undefined }, lost };
  }
  const edit: PendingEdit = { ...p, event: remoteLive ? 'Update' : 'New', fields: { ...chosen }, base: c.remoteIndex, frameId: nonceUdf(), envelope: undefined, conflict: undefined, modified: nowIso(new Date()) };
  replica.pending = replica.pending.map((x) => (x === p ? edit : x));
  await local.commit(replica.store, { append: [], state: replica.state, pending: replica.pending });
  return { edit, lost };
}

export { type Signer };
