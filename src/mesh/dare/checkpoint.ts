// Signed checkpoints (decision 14): a meta frame whose signed payload names a frame index and
// the tree digest T at that frame. A device that verifies the newest checkpoint's signature and
// the tree up to it need not verify the signature of any earlier frame.
import { MeshError } from '../errors.ts';
import { equal, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { parseJsonText, isPlainObject } from './model.ts';
import { verifyEnvelopeSignatures } from './envelope.ts';
import { appendFrame, frameEnvelope, type AppendResult, type SequenceFrame, type SequenceState } from './sequence.ts';
import type { KeyLookup, Signer } from './signature.ts';

export const CHECKPOINT_CTY = 'application/mmm-checkpoint';

export interface Checkpoint {
  /** The frame whose tree digest is signed. */
  index: number;
  /** T[index]: the tree apex at that frame. */
  apex: Uint8Array;
}

export const checkpointPayload = (c: Checkpoint): Uint8Array =>
  utf8(JSON.stringify({ SequenceCheckpoint: { Index: c.index, TreeDigest: toBase64Url(c.apex) } }));

/** The checkpoint for the state's last frame. */
export function currentCheckpoint(state: SequenceState): Checkpoint {
  if (state.type !== 'Merkle' || state.count === 0) throw new MeshError('unsupported', 'checkpoints need a non-empty Merkle sequence');
  return { index: state.count - 1, apex: state.tree[state.count - 1] };
}

/**
 * Builds a checkpoint frame signing the apex of the state's last frame (or of `at`). The payload
 * is in clear: it reveals only a digest, and the service can then check it too.
 */
export function appendCheckpoint(state: SequenceState, signers: Signer[], at: Checkpoint = currentCheckpoint(state)): Promise<AppendResult> {
  if (!signers.length) throw new MeshError('signature', 'a checkpoint needs a signer');
  return appendFrame(state, checkpointPayload(at), { signers, meta: true, contentMeta: { cty: CHECKPOINT_CTY } });
}

/** The payload a device uploads as a checkpoint entry (for writers that build envelopes themselves). */
export const checkpointContentMeta = { cty: CHECKPOINT_CTY };

export function isCheckpointFrame(f: SequenceFrame): boolean {
  const cm = f.header.ContentMetaData;
  if (typeof cm !== 'string' || f.header.SequenceInfo?.IsMeta !== true) return false;
  try {
    const meta = parseJsonText(fromBase64Url(cm));
    return isPlainObject(meta) && meta.cty === CHECKPOINT_CTY;
  } catch {
    return false;
  }
}

/** Reads a checkpoint payload (plaintext). */
export function parseCheckpoint(payload: Uint8Array): Checkpoint {
  const v = parseJsonText(payload);
  const c = isPlainObject(v) ? v.SequenceCheckpoint : undefined;
  if (!isPlainObject(c) || !Number.isSafeInteger(c.Index) || (c.Index as number) < 0 || typeof c.TreeDigest !== 'string') {
    throw new MeshError('malformed', 'not a SequenceCheckpoint');
  }
  const apex = fromBase64Url(c.TreeDigest);
  if (apex.length !== 64) throw new MeshError('malformed', 'checkpoint digest must be 64 octets');
  return { index: c.Index as number, apex };
}

/**
 * Verifies a checkpoint frame of a verified sequence: a signature by a key the lookup trusts,
 * and the signed apex equal to the tree digest the sequence holds at that index.
 * `payload` is the decrypted payload when the checkpoint frame is encrypted.
 */
export function verifyCheckpoint(frames: SequenceFrame[], f: SequenceFrame, trusted: KeyLookup, tree: Uint8Array[], payload = f.payload): Checkpoint {
  const results = verifyEnvelopeSignatures(frameEnvelope(f), trusted);
  if (!results.some((r) => r.valid === true) || results.some((r) => r.valid === false)) {
    throw new MeshError('signature', `checkpoint at frame ${f.index} has no valid signature by a trusted key`);
  }
  const c = parseCheckpoint(payload);
  if (c.index >= f.index || c.index >= frames.length) throw new MeshError('integrity', 'checkpoint names a frame after itself');
  if (!tree[c.index] || !equal(tree[c.index], c.apex)) throw new MeshError('integrity', `checkpoint apex differs from the tree at frame ${c.index}`);
  return c;
}

/**
 * The newest checkpoint (in clear), verified, scanning backward; undefined if none. A checkpoint
 * that fails to verify throws: it is an attack or corruption, not a reason to fall back.
 * Frames after the returned index still need their own signatures checked.
 */
export function latestCheckpoint(frames: SequenceFrame[], trusted: KeyLookup, tree: Uint8Array[]): Checkpoint | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    if (!isCheckpointFrame(f) || (f.header.enc !== undefined && f.header.enc !== 'none')) continue;
    return verifyCheckpoint(frames, f, trusted, tree);
  }
  return undefined;
}
