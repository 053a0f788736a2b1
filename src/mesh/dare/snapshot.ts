// Sequence snapshots: a MeshPass-local, authenticated record of "the sequence up to frame n has
// tree apex T[n], and this is what it holds", so that opening a large catalog costs one AES-GCM
// decryption instead of one key derivation and decryption per frame. A snapshot is not a frame:
// the synchronised sequence stays exactly as the service has it. It is an envelope with
// `enc` "A256GCM" (key and IV from the sequence's base seed and the snapshot's Salt, header as
// additional data), whose plaintext is a JSON description followed by an opaque body. It is
// written in JSON-B, so the large body is carried as octets, not base64.
import { MeshError } from '../errors.ts';
import { concat, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from '../bytes.ts';
import { aesGcmDecrypt, aesGcmEncrypt } from './primitives.ts';
import { payloadKeys, SALT_BYTES } from './keyschedule.ts';
import { treeInputs } from './merkle.ts';
import { decodeEnvelope, encodeEnvelopeJsonb, isPlainObject, parseJsonText, type DareHeader } from './model.ts';
import { readFrameBefore } from './frame.ts';
import { parseFrame, type SequenceKey, type SequenceState, type SequenceType } from './sequence.ts';

export const SNAPSHOT_CTY = 'application/mmm-sequence-snapshot';
const GCM = 'A256GCM';

export interface Snapshot {
  /** The sequence state at the snapshot: count, length, apex and the tree digests later frames need. */
  state: SequenceState;
  /** What the caller stored (e.g. the catalog's entries as of frame count − 1). */
  body: Uint8Array;
}

/** Indices < count whose T values frames count, count+1, … will read (O(log count) of them). */
export function treeFrontier(count: number): number[] {
  const need = new Set<number>();
  if (count > 0) need.add(count - 1);
  for (let m = count; m < 2 * count + 4; m++) for (const i of treeInputs(m)) if (i < count) need.add(i);
  return [...need].sort((a, b) => a - b);
}

/** Seals a snapshot of `state` with `body` under the sequence key. */
export async function createSnapshot(key: SequenceKey, state: SequenceState, body: Uint8Array): Promise<Uint8Array> {
  const tree: Record<string, string> = {};
  if (state.type === 'Merkle') {
    for (const i of treeFrontier(state.count)) {
      if (!state.tree[i]) throw new MeshError('integrity', `state lacks the tree digest of frame ${i}`);
      tree[i] = toBase64Url(state.tree[i]);
    }
  }
  const meta = {
    Type: state.type, Count: state.count, Length: state.length, ExchangePosition: key.position, Tree: tree,
    ...(state.chain ? { Chain: toBase64Url(state.chain) } : {}),
  };
  const metaBytes = utf8(JSON.stringify(meta));
  const plaintext = concat(Uint8Array.of(metaBytes.length >>> 24, metaBytes.length >>> 16, metaBytes.length >>> 8, metaBytes.length), metaBytes, body);
  const salt = randomBytes(SALT_BYTES);
  const header: DareHeader = { enc: GCM, Salt: toBase64Url(salt), ContentMetaData: toBase64Url(utf8(JSON.stringify({ cty: SNAPSHOT_CTY }))) };
  const { key: k, iv } = payloadKeys(key.baseSeed, salt, 12);
  const ct = await aesGcmEncrypt(k, iv, plaintext, utf8(JSON.stringify(header)));
  return encodeEnvelopeJsonb({ header, body: ct });
}

/**
 * Opens a snapshot: authenticates and decrypts it, and rebuilds the state later frames are
 * verified against. With `sequence` (the stored frames), also checks that the frame the snapshot
 * ends at carries the snapshot's apex, so a snapshot cannot be paired with another sequence.
 */
export async function openSnapshot(bytes: Uint8Array, key: SequenceKey, sequence?: Uint8Array): Promise<Snapshot> {
  const env = decodeEnvelope(bytes);
  const h = env.header;
  if (h.enc !== GCM || typeof h.Salt !== 'string') throw new MeshError('malformed', 'not a sequence snapshot');
  const { key: k, iv } = payloadKeys(key.baseSeed, fromBase64Url(h.Salt), 12);
  const plain = await aesGcmDecrypt(k, iv, env.body, utf8(JSON.stringify(h)));
  if (plain.length < 4) throw new MeshError('malformed', 'snapshot too short');
  const metaLength = ((plain[0] << 24) | (plain[1] << 16) | (plain[2] << 8) | plain[3]) >>> 0;
  if (metaLength > plain.length - 4) throw new MeshError('malformed', 'snapshot description overruns');
  const meta = parseJsonText(plain.subarray(4, 4 + metaLength));
  if (!isPlainObject(meta) || !Number.isSafeInteger(meta.Count) || !Number.isSafeInteger(meta.Length) || !isPlainObject(meta.Tree)) {
    throw new MeshError('malformed', 'bad snapshot description');
  }
  if (meta.ExchangePosition !== key.position) throw new MeshError('decrypt', 'snapshot belongs to another key exchange');
  const state: SequenceState = { type: meta.Type as SequenceType, count: meta.Count as number, length: meta.Length as number, tree: [] };
  for (const [i, t] of Object.entries(meta.Tree)) {
    if (typeof t !== 'string') throw new MeshError('malformed', 'bad snapshot tree digest');
    state.tree[Number(i)] = fromBase64Url(t);
  }
  if (typeof meta.Chain === 'string') state.chain = fromBase64Url(meta.Chain);
  if (sequence) {
    if (sequence.length < state.length) throw new MeshError('rollback', 'the sequence is shorter than its snapshot');
    if (state.type === 'Merkle' && state.count > 0) {
      const last = parseFrame(readFrameBefore(sequence, state.length), state.count - 1);
      const apex = last.trailer?.TreeDigest ?? last.header.TreeDigest ?? last.header.ApexDigest;
      if (apex !== toBase64Url(state.tree[state.count - 1])) throw new MeshError('integrity', 'the sequence does not end at the snapshot apex');
    }
  }
  return { state, body: plain.subarray(4 + metaLength) };
}

export const snapshotText = (s: Snapshot): string => fromUtf8(s.body);
