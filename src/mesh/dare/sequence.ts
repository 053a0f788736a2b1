// DARE sequences (dare.md §6): append-only files of frames, each holding one envelope, with
// payload digests and a digest chain or Merkle tree bound to the real predecessors (decision 2).
// The core is pure: it turns payloads into frame bytes and frame bytes into verified frames,
// tracking a small SequenceState, so that it runs over a file (service) or over IndexedDB
// records (extension) alike. Encrypted sequences do one key exchange, in an exchange frame,
// and every later frame derives its key from that base seed and its own Salt.
import { MeshError } from '../errors.ts';
import { equal, fromBase64Url, randomBytes, toBase64Url, utf8 } from '../bytes.ts';
import { sha512Of } from './primitives.ts';
import { aes256CbcDecrypt } from './aes.ts';
import { BASE_SEED_BYTES, payloadKeys } from './keyschedule.ts';
import { encodeFrame, readFrameAt, readFrameBefore, type RawFrame } from './frame.ts';
import { chainDigest, treeDigest } from './merkle.ts';
import { parseJsonOrJsonb, isPlainObject, checkHeaderShape, type DareHeader, type DareTrailer, type DarePolicy, type DareEnvelope } from './model.ts';
import { createEnvelope, digestMatches, ENC_ALG } from './envelope.ts';
import { unwrapBaseSeed, wrapForRecipient, type DecryptionKey, type RecipientKey } from './recipients.ts';
import type { Signer } from './signature.ts';

export type SequenceType = 'List' | 'Digest' | 'Chain' | 'Merkle';
const TYPES: readonly string[] = ['List', 'Digest', 'Chain', 'Merkle', 'Tree'];

/** What a writer or verifier needs to know about a sequence so far. Holds no secret. */
export interface SequenceState {
  type: SequenceType;
  /** Number of frames; the index of the next frame. */
  count: number;
  /** Number of octets; the offset of the next frame. */
  length: number;
  /** T[i] of every frame (Merkle sequences). */
  tree: Uint8Array[];
  /** C of the last frame (Chain sequences). */
  chain?: Uint8Array;
  /** Offset of the latest frame carrying a key exchange (recipients). */
  exchangePosition?: number;
}

/** The secret of a sequence key exchange: the base seed and the offset of the frame holding it. */
export interface SequenceKey {
  position: number;
  baseSeed: Uint8Array;
}

export interface SequenceFrame {
  index: number;
  /** Offset of the frame in the sequence. */
  position: number;
  /** Offset just past the frame. */
  end: number;
  header: DareHeader;
  /** The header record's octets as stored (what HeaderDigest covers). */
  headerBytes: Uint8Array;
  /** Payload octets as carried (ciphertext when encrypted). */
  payload: Uint8Array;
  trailer?: DareTrailer;
  /** PD = SHA-512(payload), computed when the frame was verified. */
  payloadDigest?: Uint8Array;
}

export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

export const frameEnvelope = (f: SequenceFrame): DareEnvelope => (f.trailer ? { header: f.header, body: f.payload, trailer: f.trailer } : { header: f.header, body: f.payload });

const json = (v: unknown): Uint8Array => utf8(JSON.stringify(v));

// ---------------------------------------------------------------- digests of one frame

function digestsFor(state: SequenceState, index: number, pd: Uint8Array): { tree?: Uint8Array; chain?: Uint8Array } {
  if (state.type === 'Merkle') return { tree: treeDigest(index, pd, (i) => state.tree[i]) };
  if (state.type === 'Chain') return { chain: chainDigest(index === 0 ? undefined : state.chain, pd) };
  return {};
}

function withDigests(state: SequenceState, trailer: DareTrailer | undefined, index: number, pd: Uint8Array, headerBytes: Uint8Array): { trailer?: DareTrailer; tree?: Uint8Array; chain?: Uint8Array } {
  if (state.type === 'List') return { trailer };
  const d = digestsFor(state, index, pd);
  const t: DareTrailer = { ...(trailer ?? {}), PayloadDigest: toBase64Url(pd), HeaderDigest: toBase64Url(sha512Of(headerBytes)) };
  if (d.tree) t.TreeDigest = toBase64Url(d.tree);
  if (d.chain) t.ChainDigest = toBase64Url(d.chain);
  return { trailer: t, ...d };
}

// ---------------------------------------------------------------- writing

export interface CreateSequenceOptions {
  type?: SequenceType;
  /** Encrypt the sequence to these keys: frame 0 carries the one key exchange. */
  recipients?: RecipientKey[];
  contentMeta?: Record<string, unknown>;
  policy?: DarePolicy;
  /** Further frame-0 header fields (EnvelopeId, …). */
  header?: DareHeader;
}

export interface AppendResult {
  /** The octets to append to the sequence. */
  frame: Uint8Array;
  index: number;
  position: number;
  /** Digests to record in the state once the frame is durably written (commitAppend). */
  tree?: Uint8Array;
  chain?: Uint8Array;
  exchange?: boolean;
}

/** A fresh, empty state: what `commitAppend` of frame 0 starts from. */
export const emptyState = (type: SequenceType = 'Merkle'): SequenceState => ({ type, count: 0, length: 0, tree: [] });

/** Records an appended frame in the state (call after the octets are written). */
export function commitAppend(state: SequenceState, r: AppendResult): SequenceState {
  if (r.index !== state.count || r.position !== state.length) throw new MeshError('conflict', 'append does not follow the current state');
  state.count++;
  state.length += r.frame.length;
  if (r.tree) state.tree.push(r.tree);
  if (r.chain) state.chain = r.chain;
  if (r.exchange) state.exchangePosition = r.position;
  return state;
}

/** Copies a state (the tree array is shared up to its current length). */
export const cloneState = (s: SequenceState): SequenceState => ({ ...s, tree: s.tree.slice() });

/**
 * Builds frame 0. With recipients it carries the sequence's key exchange and the returned key
 * encrypts later frames. Returns the committed state.
 */
export async function createSequence(opts: CreateSequenceOptions = {}): Promise<{ frame: Uint8Array; state: SequenceState; key?: SequenceKey }> {
  const type = opts.type ?? 'Merkle';
  const state = emptyState(type);
  const header: DareHeader = {};
  const policy: DarePolicy = { ...(opts.policy ?? {}) };
  let key: SequenceKey | undefined;
  if (opts.recipients?.length) {
    const baseSeed = randomBytes(BASE_SEED_BYTES);
    header.recipients = await Promise.all(opts.recipients.map((r) => wrapForRecipient(baseSeed, r)));
    policy.Encryption ??= 'Once';
    policy.enc ??= ENC_ALG;
    key = { position: 0, baseSeed };
  }
  header.policy = policy;
  header.ContentMetaData = toBase64Url(json(opts.contentMeta ?? {}));
  header.SequenceInfo = { DataEncoding: 'JSON', ContainerType: type, Index: 0 };
  Object.assign(header, opts.header ?? {});
  const payload = new Uint8Array(0);
  const headerBytes = json(header);
  const d = withDigests(state, undefined, 0, sha512Of(payload), headerBytes);
  const frame = encodeFrame({ header: headerBytes, payload, trailer: d.trailer ? json(d.trailer) : undefined, emptyRecords: true });
  commitAppend(state, { frame, index: 0, position: 0, tree: d.tree, chain: d.chain, exchange: key !== undefined });
  return { frame, state, key };
}

export interface AppendOptions {
  /** Encrypt under the sequence key exchange (one exchange, per-frame Salt). */
  key?: SequenceKey;
  /** Encrypt with a key exchange of its own (policy Isolated); this frame becomes an exchange frame. */
  recipients?: RecipientKey[];
  signers?: Signer[];
  contentMeta?: Record<string, unknown> | Uint8Array;
  annotations?: Uint8Array[];
  /** Further header fields. */
  header?: DareHeader;
  /** Marks a meta frame (index, checkpoint). */
  meta?: boolean;
}

/** Builds the next frame. Pure: the state changes only through commitAppend. */
export async function appendFrame(state: SequenceState, payload: Uint8Array, opts: AppendOptions = {}): Promise<AppendResult> {
  const index = state.count;
  const position = state.length;
  if (index === 0) throw new MeshError('conflict', 'a sequence starts with createSequence');
  const info: Record<string, unknown> = { Index: index };
  if (opts.meta) info.IsMeta = true;
  if (opts.key && !opts.recipients?.length) info.ExchangePosition = opts.key.position;
  const env = await createEnvelope(payload, {
    baseSeed: opts.recipients?.length ? undefined : opts.key?.baseSeed,
    recipients: opts.recipients,
    signers: opts.signers,
    contentMeta: opts.contentMeta,
    annotations: opts.annotations,
    header: { SequenceInfo: info, ...(opts.header ?? {}) },
  });
  const headerBytes = json(env.header);
  const d = withDigests(state, env.trailer, index, sha512Of(env.body), headerBytes);
  const frame = encodeFrame({ header: headerBytes, payload: env.body, trailer: d.trailer ? json(d.trailer) : undefined });
  return { frame, index, position, tree: d.tree, chain: d.chain, exchange: !!opts.recipients?.length };
}

/**
 * Appends an envelope made elsewhere (the service storing what a client uploaded): the header gets
 * the real `SequenceInfo.Index`, the trailer the frame's digests; signatures and payload are kept.
 */
export function appendEnvelope(state: SequenceState, env: DareEnvelope): AppendResult {
  const index = state.count;
  if (index === 0) throw new MeshError('conflict', 'a sequence starts with createSequence');
  const info = { ...(env.header.SequenceInfo ?? {}), Index: index };
  const header: DareHeader = { ...env.header, SequenceInfo: info };
  const trailer: DareTrailer = { ...(env.trailer ?? {}) };
  for (const k of ['PayloadDigest', 'HeaderDigest', 'TreeDigest', 'ChainDigest', 'ApexDigest'] as const) delete trailer[k];
  for (const k of ['PayloadDigest', 'HeaderDigest', 'TreeDigest', 'ChainDigest', 'ApexDigest'] as const) delete header[k];
  const headerBytes = json(header);
  const d = withDigests(state, Object.keys(trailer).length ? trailer : undefined, index, sha512Of(env.body), headerBytes);
  const frame = encodeFrame({ header: headerBytes, payload: env.body, trailer: d.trailer ? json(d.trailer) : undefined });
  return { frame, index, position: state.length, tree: d.tree, chain: d.chain, exchange: !!header.recipients?.length };
}

// ---------------------------------------------------------------- reading and verifying

function parseObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  const v = parseJsonOrJsonb(bytes);
  if (!isPlainObject(v)) throw new MeshError('malformed', `frame ${what} must be an object`);
  return v;
}

const field = (f: SequenceFrame, name: string): unknown => (f.trailer as Record<string, unknown> | undefined)?.[name] ?? (f.header as Record<string, unknown>)[name];

function digestField(f: SequenceFrame, ...names: string[]): Uint8Array | undefined {
  for (const n of names) {
    const v = field(f, n);
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new MeshError('malformed', `${n} must be binary`);
    return fromBase64Url(v);
  }
  return undefined;
}

/** Parses a raw frame into header, payload and trailer (no integrity check). */
export function parseFrame(raw: RawFrame, index: number): SequenceFrame {
  const header = parseObject(raw.header, 'header');
  checkHeaderShape(header, 'header');
  const f: SequenceFrame = { index, position: raw.start, end: raw.end, header: header as DareHeader, headerBytes: raw.header, payload: raw.payload ?? new Uint8Array(0) };
  if (raw.trailer) {
    const trailer = parseObject(raw.trailer, 'trailer');
    checkHeaderShape(trailer, 'trailer');
    f.trailer = trailer as DareTrailer;
  }
  const info = header.SequenceInfo;
  if (info !== undefined) {
    if (!isPlainObject(info)) throw new MeshError('malformed', 'SequenceInfo must be an object');
    if (info.Index !== undefined && info.Index !== index) throw new MeshError('integrity', `frame ${index} claims index ${String(info.Index)}`);
  }
  if (header.recipients !== undefined && !Array.isArray(header.recipients)) throw new MeshError('malformed', 'recipients must be an array');
  return f;
}

/** Checks one frame's digests against the state and records them (mutates state). */
function verifyAndRecord(state: SequenceState, f: SequenceFrame, verify: boolean): void {
  const needsDigest = state.type !== 'List';
  const pd = verify || needsDigest ? sha512Of(f.payload) : undefined;
  if (pd) f.payloadDigest = pd;
  if (verify && pd) {
    // PayloadDigest is checked when present; for Merkle and Chain sequences the tree or chain
    // digest, computed here from the payload, is what binds it.
    const claimed = field(f, 'PayloadDigest');
    if (claimed === undefined ? needsDigest && state.type === 'Digest' : !digestMatches(claimed, pd, 'PayloadDigest')) throw new MeshError('integrity', `frame ${f.index}: PayloadDigest missing or wrong`);
    const hd = f.trailer?.HeaderDigest;
    if (hd !== undefined && !digestMatches(hd, sha512Of(f.headerBytes), 'HeaderDigest')) throw new MeshError('integrity', `frame ${f.index}: HeaderDigest does not match the header`);
  }
  if (state.type === 'Merkle') {
    const t = treeDigest(f.index, pd!, (i) => state.tree[i]);
    if (verify) {
      const claimed = field(f, 'TreeDigest') ?? field(f, 'ApexDigest');
      if (claimed === undefined || !digestMatches(claimed, t, 'TreeDigest')) throw new MeshError('integrity', `frame ${f.index}: tree digest does not match its predecessors`);
    }
    state.tree.push(t);
  } else if (state.type === 'Chain') {
    const c = chainDigest(f.index === 0 ? undefined : state.chain, pd!);
    if (verify) {
      const claimed = field(f, 'ChainDigest');
      if (claimed === undefined || !digestMatches(claimed, c, 'ChainDigest')) throw new MeshError('integrity', `frame ${f.index}: chain digest does not match its predecessor`);
    }
    state.chain = c;
  }
  if (f.header.recipients?.length) state.exchangePosition = f.position;
  state.count++;
  state.length = f.end;
}

function typeOfFrame0(f: SequenceFrame): SequenceType {
  const t = f.header.SequenceInfo?.ContainerType;
  if (t === undefined) return 'List';
  if (typeof t !== 'string' || !TYPES.includes(t)) throw new MeshError('unsupported', `sequence type ${String(t)}`);
  return t === 'Tree' ? 'Digest' : (t as SequenceType);
}

export interface ReadOptions {
  /** Check digests (default true). */
  verify?: boolean;
  /** Continue from this state: `bytes` then holds only the frames after state.length. Updated on success only. */
  state?: SequenceState;
  maxFrameBytes?: number;
}

/**
 * Reads frames forward and verifies each frame's PayloadDigest and chain/tree digest against
 * its real predecessors. Any defect throws MeshError: 'truncated' for a torn end, 'integrity'
 * for a digest mismatch, 'malformed' otherwise.
 */
export function readSequence(bytes: Uint8Array, opts: ReadOptions = {}): { frames: SequenceFrame[]; state: SequenceState } {
  const verify = opts.verify ?? true;
  const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME;
  // Work on a copy so that a failure leaves the caller's state as it was.
  let state = opts.state ? cloneState(opts.state) : undefined;
  const base = state?.length ?? 0;
  const frames: SequenceFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const index = state ? state.count : 0;
    try {
      const raw = readFrameAt(bytes, at);
      if (raw.end - raw.start > max) throw new MeshError('oversized', `frame exceeds ${max} octets`);
      const f = parseFrame({ ...raw, start: base + raw.start, end: base + raw.end }, index);
      if (!state) state = emptyState(typeOfFrame0(f));
      verifyAndRecord(state, f, verify);
      frames.push(f);
      at = raw.end;
    } catch (e) {
      if (e instanceof MeshError && !e.message.startsWith('frame ')) throw new MeshError(e.code, `frame ${index} at offset ${base + at}: ${e.message}`, e.detail);
      throw e;
    }
  }
  if (opts.state && state) Object.assign(opts.state, state);
  return { frames, state: opts.state ?? state ?? emptyState() };
}

/** Reads the last frame (backward reading) without walking the whole sequence. */
export function readLastFrame(bytes: Uint8Array): SequenceFrame {
  const raw = readFrameBefore(bytes, bytes.length);
  const probe = parseObject(raw.header, 'header') as DareHeader;
  const idx = probe.SequenceInfo?.Index;
  return parseFrame(raw, typeof idx === 'number' ? idx : 0);
}

/** Frames from last to first (backward reading); indices from SequenceInfo. */
export function* readBackward(bytes: Uint8Array): Generator<SequenceFrame> {
  let end = bytes.length;
  while (end > 0) {
    const raw = readFrameBefore(bytes, end);
    const probe = parseObject(raw.header, 'header') as DareHeader;
    const idx = probe.SequenceInfo?.Index;
    yield parseFrame(raw, typeof idx === 'number' ? idx : -1);
    end = raw.start;
  }
}

/**
 * Verifies frame n against the tree: its payload against its PayloadDigest, and T[n] against the
 * stored T values of its predecessors; then, up to `apexIndex`, every later T from stored values,
 * ending at `apex` (a checkpoint or a remembered state). Costs O(apexIndex − n) small hashes.
 */
export function verifyFrameInTree(frames: SequenceFrame[], n: number, apexIndex = frames.length - 1, apex?: Uint8Array): void {
  if (n < 0 || n > apexIndex || apexIndex >= frames.length) throw new MeshError('not-found', 'frame outside the sequence');
  const stored = (i: number): Uint8Array => {
    const t = digestField(frames[i], 'TreeDigest', 'ApexDigest');
    if (!t) throw new MeshError('integrity', `frame ${i} has no tree digest`);
    return t;
  };
  const pd = sha512Of(frames[n].payload);
  const claimed = digestField(frames[n], 'PayloadDigest');
  if (claimed && !equal(claimed, pd)) throw new MeshError('integrity', `frame ${n}: PayloadDigest does not match the payload`);
  for (let m = n; m <= apexIndex; m++) {
    // Later frames: their recorded PayloadDigest is bound by their tree digest, so it may stand in for the payload.
    const pdm = m === n ? pd : (digestField(frames[m], 'PayloadDigest') ?? sha512Of(frames[m].payload));
    if (!equal(treeDigest(m, pdm, stored), stored(m))) throw new MeshError('integrity', `frame ${m}: tree digest does not match`);
  }
  if (apex && !equal(stored(apexIndex), apex)) throw new MeshError('integrity', 'the tree does not end at the expected apex');
}

// ---------------------------------------------------------------- decryption

/** Finds and unwraps a sequence's key exchanges on demand, once each. */
export class SequenceKeyring {
  private readonly seeds = new Map<number, Promise<Uint8Array>>();
  private readonly byPosition = new Map<number, SequenceFrame>();

  constructor(frames: SequenceFrame[], private readonly keys: DecryptionKey[]) {
    for (const f of frames) if (f.header.recipients?.length) this.byPosition.set(f.position, f);
  }

  /** Adds an exchange already unwrapped (e.g. remembered from an earlier open or a snapshot). */
  addKey(key: SequenceKey): this {
    this.seeds.set(key.position, Promise.resolve(key.baseSeed));
    return this;
  }

  /** The base seed of the exchange held by the frame at `position`. */
  seedAt(position: number): Promise<Uint8Array> {
    let p = this.seeds.get(position);
    if (!p) {
      const f = this.byPosition.get(position);
      if (!f) return Promise.reject(new MeshError('decrypt', `no key exchange frame at ${position}`));
      p = unwrapBaseSeed(f.header.recipients, this.keys);
      this.seeds.set(position, p);
    }
    return p;
  }

  /** The exchange a frame uses: its own recipients, its ExchangePosition, else the latest before it. */
  exchangeOf(f: SequenceFrame): number {
    if (f.header.recipients?.length) return f.position;
    const ep = f.header.SequenceInfo?.ExchangePosition;
    if (typeof ep === 'number') return ep;
    let best = -1;
    for (const pos of this.byPosition.keys()) if (pos < f.position && pos > best) best = pos;
    if (best < 0) throw new MeshError('decrypt', `frame ${f.index} names no key exchange`);
    return best;
  }

  /** The SequenceKey to append more frames under the latest exchange. */
  async latestKey(): Promise<SequenceKey | undefined> {
    let best = -1;
    for (const pos of this.byPosition.keys()) if (pos > best) best = pos;
    for (const pos of this.seeds.keys()) if (pos > best) best = pos;
    return best < 0 ? undefined : { position: best, baseSeed: await this.seedAt(best) };
  }
}

/** Decrypts one frame's payload (plaintext frames are returned as carried). */
export async function decryptFrame(f: SequenceFrame, keyring: SequenceKeyring): Promise<Uint8Array> {
  const enc = f.header.enc;
  if (enc === undefined || enc === 'none') return f.payload;
  if (enc !== ENC_ALG) throw new MeshError('unsupported', `payload encryption ${enc}`);
  const saltText = f.header.Salt;
  if (typeof saltText !== 'string') throw new MeshError('malformed', `frame ${f.index} has no Salt`);
  const seed = await keyring.seedAt(keyring.exchangeOf(f));
  const { key, iv } = payloadKeys(seed, fromBase64Url(saltText));
  return aes256CbcDecrypt(key, iv, f.payload);
}

/**
 * Decrypts many frames: unwraps each key exchange they use once, then derives each frame's key
 * from its Salt and decrypts synchronously (no promise per frame).
 */
export async function decryptFrames(frames: SequenceFrame[], keyring: SequenceKeyring): Promise<Uint8Array[]> {
  const seeds = new Map<number, Uint8Array>();
  for (const f of frames) {
    if (f.header.enc === undefined || f.header.enc === 'none') continue;
    const pos = keyring.exchangeOf(f);
    if (!seeds.has(pos)) seeds.set(pos, await keyring.seedAt(pos));
  }
  return frames.map((f) => {
    const enc = f.header.enc;
    if (enc === undefined || enc === 'none') return f.payload;
    if (enc !== ENC_ALG) throw new MeshError('unsupported', `payload encryption ${enc}`);
    if (typeof f.header.Salt !== 'string') throw new MeshError('malformed', `frame ${f.index} has no Salt`);
    const { key, iv } = payloadKeys(seeds.get(keyring.exchangeOf(f))!, fromBase64Url(f.header.Salt));
    return aes256CbcDecrypt(key, iv, f.payload);
  });
}

// ---------------------------------------------------------------- rollback (decision 13)

/** What a device remembers of a sequence it verified: how many frames, and the tree apex then. */
export interface RememberedState {
  count: number;
  apex: Uint8Array;
}

export function remember(state: SequenceState): RememberedState {
  if (state.type !== 'Merkle' || state.count === 0 || !state.tree[state.count - 1]) throw new MeshError('unsupported', 'only a non-empty Merkle sequence can be remembered');
  return { count: state.count, apex: state.tree[state.count - 1] };
}

/**
 * Checks that a verified sequence extends what was remembered: no fewer frames, and the same
 * apex at the remembered length. Otherwise MeshError('rollback').
 */
export function checkExtends(remembered: RememberedState, state: SequenceState): void {
  if (state.count < remembered.count) throw new MeshError('rollback', `the sequence has ${state.count} frames, ${remembered.count} were seen before`);
  const t = state.tree[remembered.count - 1];
  if (!t || !equal(t, remembered.apex)) throw new MeshError('rollback', `the sequence differs from the one seen before at frame ${remembered.count - 1}`);
}
