// Building and reading catalog entry frames (catalogs.md §7.5): every entry frame is encrypted
// to the store key and signed by the writer (decision 9) — by a signature of its own, or, for the
// frames of one upload, by one signed batch frame after them (docs/decisions/sync-performance.md);
// a delete carries a signed tombstone.
import { MeshError } from '../errors.ts';
import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from '../bytes.ts';
import { createEnvelope, openEnvelope, verifyEnvelopeSignatures } from '../dare/envelope.ts';
import { sha512Of } from '../dare/primitives.ts';
import { contentMeta, envelopeFromJson, envelopeToJson, type DareEnvelope, type DareRecipient } from '../dare/model.ts';
import { unwrapBaseSeed, wrapForRecipient, type DecryptionKey, type RecipientKey } from '../dare/recipients.ts';
import type { KeyLookup, Signer } from '../dare/signature.ts';
import type { EnvelopeJson } from '../protocol/messages.ts';
import { normalizeFields, storeKind, tagged, untag, type EntryFields } from './entries.ts';

export type CatalogEvent = 'New' | 'Update' | 'Delete';

/** What a writer needs for one store. */
export interface StoreWriteKeys {
  /** The store's public key (encryption recipient). */
  recipient: RecipientKey;
  /** The account signing key the device writes with (CommonSignature, or AdministratorSignature). */
  signer: Signer;
  /** Further recipients of every frame (Access: the service's AccessEncrypt key, catalogs.md §7.3). */
  extraRecipients?: RecipientKey[];
}

/** What a reader needs for one store. */
export interface StoreReadKeys {
  /** Store private key (and optionally the account CommonEncryption key, catalogs.md §7.2). */
  decrypt: DecryptionKey[];
  /** Keys whose signatures are accepted on this store's entry frames. */
  signers: KeyLookup;
}

export interface EntryFrameInput {
  store: string;
  uniqueId: string;
  event: CatalogEvent;
  /** Index of the frame this edit supersedes (0: none). */
  previous: number;
  /** RFC 3339 UTC. */
  modified: string;
  /** Header EnvelopeId: a fresh nonce UDF per prepared edit (idempotent retries). */
  frameId: string;
  /** SequenceInfo.Index hint (the service overwrites it). */
  indexHint: number;
  /** Entry fields (New/Update); ignored for Delete, which writes the tombstone. */
  fields?: EntryFields;
}

/** One recipient block shared by the frames of a batch: one key exchange for many frames. */
export interface SharedExchange {
  baseSeed: Uint8Array;
  recipient: DareRecipient;
}

export async function newSharedExchange(recipient: RecipientKey): Promise<SharedExchange> {
  const baseSeed = randomBytes(32);
  return { baseSeed, recipient: await wrapForRecipient(baseSeed, recipient) };
}

export function entryPayload(input: Pick<EntryFrameInput, 'store' | 'uniqueId' | 'event' | 'fields'>): Uint8Array {
  const kind = storeKind(input.store);
  const fields = input.event === 'Delete' ? kind.tombstone(input.uniqueId) : normalizeFields(kind.tag, input.fields ?? {});
  if (kind.keyOf(fields) !== input.uniqueId) throw new MeshError('malformed', `entry key does not match UniqueId ${input.uniqueId}`);
  return utf8(JSON.stringify(tagged(kind.tag, fields)));
}

export function entryMeta(input: EntryFrameInput): Record<string, unknown> {
  const meta: Record<string, unknown> = { UniqueId: input.uniqueId, Event: input.event };
  if (input.previous > 0) meta.Previous = input.previous;
  meta.Modified = input.modified;
  return meta;
}

/**
 * Builds the frame of catalogs.md §7.5. `unsigned`: the frame carries its PayloadDigest but no
 * signature of its own; it must then be uploaded followed by a batch frame (buildBatchFrame).
 */
export async function buildEntryFrame(input: EntryFrameInput, keys: StoreWriteKeys, shared?: SharedExchange, opts: { unsigned?: boolean } = {}): Promise<EnvelopeJson> {
  const payload = entryPayload(input);
  if (keys.extraRecipients?.length) shared = undefined;
  const env = await createEnvelope(payload, {
    ...(shared ? { baseSeed: shared.baseSeed } : { recipients: [keys.recipient, ...(keys.extraRecipients ?? [])] }),
    ...(opts.unsigned ? { digest: true } : { signers: [keys.signer] }),
    contentMeta: entryMeta(input),
    header: {
      EnvelopeId: input.frameId,
      ...(shared ? { recipients: [shared.recipient] } : {}),
      SequenceInfo: { Index: input.indexHint },
    },
  });
  // EnvelopeId first, as the spec prints it.
  env.header = { EnvelopeId: input.frameId, ...env.header };
  return envelopeToJson(env) as EnvelopeJson;
}

/** The store header frame (index 0), written by the administrator when it creates a store. */
export function buildStoreHeaderFrame(frameId: string, storePublicKey: Record<string, unknown>): EnvelopeJson {
  const header = {
    EnvelopeId: frameId,
    policy: { EncryptKeys: [storePublicKey], Encryption: 'Isolated', Signature: 'Isolated' },
    ContentMetaData: toBase64Url(utf8(JSON.stringify({ cty: 'application/mmm-catalog' }))),
    SequenceInfo: { DataEncoding: 'JSON', ContainerType: 'Merkle', Index: 0 },
  };
  return [header, ''];
}

export const CHECKPOINT_CTY = 'application/meshpass-checkpoint';
export const BATCH_CTY = 'application/meshpass-batch';

/** Header facts of a frame, readable without keys. */
export interface FrameInfo {
  envelope: DareEnvelope;
  frameId?: string;
  index?: number;
  uniqueId?: string;
  event?: CatalogEvent;
  previous: number;
  modified?: string;
  /** A signed checkpoint frame (decision 14) rather than an entry. */
  checkpoint: boolean;
  /** A signed batch frame (the signature of the frames just before it) rather than an entry. */
  batch: boolean;
}

export function frameInfo(json: unknown): FrameInfo {
  const envelope = envelopeFromJson(json);
  const meta = contentMeta(envelope.header) ?? {};
  const ev = meta.Event;
  const event = ev === 'New' || ev === 'Update' || ev === 'Delete' ? ev : undefined;
  if (ev !== undefined && event === undefined) throw new MeshError('malformed', `unknown catalog event ${String(ev).slice(0, 32)}`);
  const prev = meta.Previous;
  if (prev !== undefined && !(Number.isSafeInteger(prev) && (prev as number) >= 0)) throw new MeshError('malformed', 'Previous must be a non-negative integer');
  const info: FrameInfo = {
    envelope,
    frameId: envelope.header.EnvelopeId,
    index: envelope.header.SequenceInfo?.Index,
    uniqueId: typeof meta.UniqueId === 'string' ? meta.UniqueId : undefined,
    event,
    previous: (prev as number | undefined) ?? 0,
    modified: typeof meta.Modified === 'string' ? meta.Modified : undefined,
    checkpoint: meta.cty === CHECKPOINT_CTY,
    batch: meta.cty === BATCH_CTY,
  };
  return info;
}

/** True when at least one signature verifies with an accepted key and none fails. */
export function frameSignedBy(env: DareEnvelope, signers: KeyLookup, bodyDigest?: Uint8Array): boolean {
  const results = verifyEnvelopeSignatures(env, signers, false, bodyDigest);
  return results.some((r) => r.valid === true) && !results.some((r) => r.valid === false);
}

/** Caches unwrapped base seeds by recipient block, so batch-written frames cost one agreement. */
export class SeedCache {
  private map = new Map<string, Uint8Array>();
  get(rec: DareRecipient[] | undefined): Uint8Array | undefined {
    return rec?.length === 1 && typeof rec[0].wmk === 'string' ? this.map.get(rec[0].wmk) : undefined;
  }
  set(rec: DareRecipient[] | undefined, seed: Uint8Array): void {
    if (rec?.length === 1 && typeof rec[0].wmk === 'string') {
      if (this.map.size > 10_000) this.map.clear();
      this.map.set(rec[0].wmk, seed);
    }
  }
}

export interface DecodedEntry {
  fields: EntryFields | null;
  /** The unwrapped base seed (callers may keep it, protected like the keys, to skip the agreement later). */
  baseSeed?: Uint8Array;
}

/**
 * Decrypts and checks an entry frame's payload (reader steps 3-4). Signatures are checked
 * separately (once per frame, decision 14). A Delete yields fields null.
 */
export async function decodeEntry(store: string, info: FrameInfo, keys: StoreReadKeys, opts: { baseSeed?: Uint8Array; seeds?: SeedCache; payloadDigest?: Uint8Array } = {}): Promise<DecodedEntry> {
  if (!info.uniqueId || !info.event) throw new MeshError('malformed', 'not an entry frame');
  const env = info.envelope;
  if (env.body.length === 0) {
    if (info.event === 'Delete') return { fields: null };
    throw new MeshError('integrity', `frame ${info.index ?? '?'} of ${store} has no payload`);
  }
  const encrypted = env.header.enc !== undefined && env.header.enc !== 'none';
  let baseSeed = opts.baseSeed ?? (encrypted ? opts.seeds?.get(env.header.recipients) : undefined);
  if (encrypted && !baseSeed) {
    baseSeed = await unwrapBaseSeed(env.header.recipients, keys.decrypt);
    opts.seeds?.set(env.header.recipients, baseSeed);
  }
  // frameInfo already parsed and checked ContentMetaData (UniqueId, Event); only the payload is used here.
  const opened = await openEnvelope(env, { baseSeed, payloadDigest: opts.payloadDigest, skipContentMeta: true });
  const kind = storeKind(store);
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(opened.payload));
  } catch {
    throw new MeshError('integrity', `frame ${info.index ?? '?'} of ${store}: payload is not JSON`);
  }
  const fields = untag(value, kind.tag);
  if (kind.keyOf(fields) !== info.uniqueId) throw new MeshError('integrity', `frame ${info.index ?? '?'} of ${store}: entry key does not match UniqueId`);
  // The header is not signed: the event must agree with the signed payload (a tombstone iff Delete).
  const tombstone = JSON.stringify(fields) === JSON.stringify(kind.tombstone(info.uniqueId));
  if (tombstone !== (info.event === 'Delete')) throw new MeshError('integrity', `frame ${info.index ?? '?'} of ${store}: event ${info.event} does not match its payload`);
  return { fields: info.event === 'Delete' ? null : fields, baseSeed };
}

/** The checkpoint payload: a claim that frames 0..Index have tree apex Apex. */
export interface Checkpoint {
  index: number;
  apex: Uint8Array;
}

export async function buildCheckpointFrame(frameId: string, uniqueId: string, cp: Checkpoint, signer: Signer, modified: string, indexHint: number): Promise<EnvelopeJson> {
  const payload = utf8(JSON.stringify({ MeshPassCheckpoint: { Index: cp.index, Apex: toBase64Url(cp.apex) } }));
  const env = await createEnvelope(payload, {
    signers: [signer],
    contentMeta: { UniqueId: uniqueId, Event: 'New', Modified: modified, cty: CHECKPOINT_CTY },
    header: { EnvelopeId: frameId, SequenceInfo: { Index: indexHint } },
  });
  env.header = { EnvelopeId: frameId, ...env.header };
  return envelopeToJson(env) as EnvelopeJson;
}

export function readCheckpoint(info: FrameInfo): Checkpoint {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(info.envelope.body));
  } catch {
    throw new MeshError('malformed', 'checkpoint payload is not JSON');
  }
  const inner = (v as Record<string, unknown> | null)?.MeshPassCheckpoint as Record<string, unknown> | undefined;
  if (!inner || !Number.isSafeInteger(inner.Index) || typeof inner.Apex !== 'string') throw new MeshError('malformed', 'bad checkpoint payload');
  return { index: inner.Index as number, apex: fromBase64Url(inner.Apex) };
}

/** The batch payload: a claim that the `count` frames just before it have these payload digests. */
export interface Batch {
  count: number;
  /** SHA-512 over the concatenated PayloadDigests of the covered frames, in order. */
  digest: Uint8Array;
}

export function batchDigest(payloadDigests: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(payloadDigests.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of payloadDigests) {
    all.set(d, at);
    at += d.length;
  }
  return sha512Of(all);
}

/**
 * One signature for many frames: uploaded in the same Transact right after the frames it covers
 * (the service appends one Transact's frames to a store contiguously and in order).
 */
export async function buildBatchFrame(frameId: string, uniqueId: string, payloadDigests: Uint8Array[], signer: Signer, modified: string, indexHint: number): Promise<EnvelopeJson> {
  const payload = utf8(JSON.stringify({ MeshPassBatch: { Count: payloadDigests.length, Digest: toBase64Url(batchDigest(payloadDigests)) } }));
  const env = await createEnvelope(payload, {
    signers: [signer],
    contentMeta: { UniqueId: uniqueId, Event: 'New', Modified: modified, cty: BATCH_CTY },
    header: { EnvelopeId: frameId, SequenceInfo: { Index: indexHint } },
  });
  env.header = { EnvelopeId: frameId, ...env.header };
  return envelopeToJson(env) as EnvelopeJson;
}

export function readBatch(info: FrameInfo): Batch {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(info.envelope.body));
  } catch {
    throw new MeshError('malformed', 'batch payload is not JSON');
  }
  const inner = (v as Record<string, unknown> | null)?.MeshPassBatch as Record<string, unknown> | undefined;
  if (!inner || !Number.isSafeInteger(inner.Count) || (inner.Count as number) < 1 || typeof inner.Digest !== 'string') throw new MeshError('malformed', 'bad batch payload');
  const digest = fromBase64Url(inner.Digest);
  if (digest.length !== 64) throw new MeshError('malformed', 'batch digest must be 64 octets');
  return { count: inner.Count as number, digest };
}
