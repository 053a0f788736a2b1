import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MeshError } from '../../src/mesh/errors.ts';
import { concat, fromUtf8, utf8 } from '../../src/mesh/bytes.ts';
import {
  createSequence, appendFrame, commitAppend, readSequence, readBackward, readLastFrame, verifyFrameInTree, SequenceKeyring,
  decryptFrames, decryptFrame, wholeFramesLength, appendCheckpoint, latestCheckpoint, appendIndexFrame, indexEntries, findIndex, parseCheckpoint, decodeEds,
  decryptionKey, generatePrivate, publicFromPrivate, signer, keysByKid, cloneState, remember, checkExtends, appendEnvelope, createEnvelope,
  openEnvelope, frameEnvelope, type SequenceState, type SequenceKey, type Curve,
} from '../../src/mesh/dare/index.ts';

function keyPair(crv: Curve, kid: string) {
  const priv = generatePrivate(crv);
  return { crv, kid, priv, public: publicFromPrivate(crv, priv) };
}
const store = keyPair('X448', 'store');
const device = keyPair('Ed448', 'device');
const trusted = keysByKid([device]);
const entry = (i: number) => utf8(JSON.stringify({ CatalogedCredential: { Service: `site${i}.example`, Username: `user${i}`, Password: `pw-${i}` } }));

async function build(n: number, opts: { encrypted?: boolean; type?: 'Merkle' | 'Chain' } = {}) {
  const s = await createSequence({ type: opts.type ?? 'Merkle', recipients: opts.encrypted === false ? undefined : [store], contentMeta: { cty: 'application/mmm-catalog' } });
  const parts = [s.frame];
  for (let i = 1; i <= n; i++) {
    const r = await appendFrame(s.state, entry(i), { key: s.key, contentMeta: { UniqueId: `id${i % 7}`, Event: 'Update' } });
    commitAppend(s.state, r);
    parts.push(r.frame);
  }
  return { bytes: concat(...parts), state: s.state, key: s.key as SequenceKey, parts };
}

async function expectMeshError(f: () => unknown, code?: string): Promise<void> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    if (code) expect((e as MeshError).code).toBe(code);
    return;
  }
  throw new Error('expected a MeshError');
}

describe('sequences', () => {
  test('one key exchange, many frames: write, read forward, verify, decrypt', async () => {
    const { bytes, state } = await build(20);
    const { frames, state: read } = readSequence(bytes);
    expect(frames).toHaveLength(21);
    expect(read.tree.map((t) => t.join())).toEqual(state.tree.map((t) => t.join()));
    expect(frames.filter((f) => f.header.recipients).map((f) => f.index)).toEqual([0]);
    expect(frames[5].header.SequenceInfo).toEqual({ Index: 5, ExchangePosition: 0 });
    const ring = new SequenceKeyring(frames, [decryptionKey('X448', store.priv, 'store')]);
    const plain = await decryptFrames(frames.slice(1), ring);
    expect(plain.map(fromUtf8)).toEqual(Array.from({ length: 20 }, (_, i) => fromUtf8(entry(i + 1))));
    expect(new TextDecoder('latin1').decode(bytes)).not.toContain('pw-1');
  });

  test('read backward gives the same frames in reverse; last frame without a scan', async () => {
    const { bytes } = await build(9);
    const forward = readSequence(bytes).frames;
    expect([...readBackward(bytes)].map((f) => f.index)).toEqual(forward.map((f) => f.index).reverse());
    expect(readLastFrame(bytes).index).toBe(9);
    expect(readLastFrame(bytes).position).toBe(forward[9].position);
  });

  test('incremental append and incremental read agree with a full read', async () => {
    const { bytes, state, key, parts } = await build(5);
    const older: SequenceState = readSequence(concat(...parts.slice(0, 3))).state;
    const more = readSequence(concat(...parts.slice(3)), { state: older });
    expect(more.frames.map((f) => f.index)).toEqual([3, 4, 5]);
    expect(more.frames[0].position).toBe(parts[0].length + parts[1].length + parts[2].length);
    expect(older.count).toBe(6);
    const next = await appendFrame(state, entry(99), { key });
    commitAppend(state, next);
    commitAppend(older, next);
    const whole = readSequence(concat(bytes, next.frame));
    expect(whole.state.tree[6]).toEqual(state.tree[6]);
    expect(older.tree[6]).toEqual(state.tree[6]);
    // Continuing to append after reopening: the keyring gives the key back.
    const ring = new SequenceKeyring(whole.frames, [decryptionKey('X448', store.priv)]);
    expect((await ring.latestKey())!.baseSeed).toEqual(key.baseSeed);
  });

  test('a failed incremental read leaves the state untouched; commit refuses a stale append', async () => {
    const { parts } = await build(4);
    const state = readSequence(concat(...parts.slice(0, 2))).state;
    const before = cloneState(state);
    const bad = concat(parts[2], parts[4]);
    await expectMeshError(() => readSequence(bad, { state }), 'integrity');
    expect(state).toEqual(before);
    const r = await appendFrame(state, entry(1));
    commitAppend(state, r);
    expect(() => commitAppend(state, r)).toThrow(MeshError);
  });

  test('rollback: fewer frames or another history than remembered', async () => {
    const { parts } = await build(6);
    const seen = remember(readSequence(concat(...parts.slice(0, 5))).state);
    checkExtends(seen, readSequence(concat(...parts)).state);
    await expectMeshError(() => checkExtends(seen, readSequence(concat(...parts.slice(0, 4))).state), 'rollback');
    const other = await build(6);
    await expectMeshError(() => checkExtends(seen, readSequence(concat(...other.parts)).state), 'rollback');
  });

  test('torn last frame: truncated, and the whole-frame prefix is found', async () => {
    const { bytes, parts } = await build(3);
    const torn = bytes.subarray(0, bytes.length - 5);
    await expectMeshError(() => readSequence(torn), 'truncated');
    expect(wholeFramesLength(torn)).toBe(bytes.length - parts[3].length);
    expect(readSequence(torn.subarray(0, wholeFramesLength(torn))).frames).toHaveLength(3);
  });

  test('dropping, reordering, replaying or replacing frames is detected', async () => {
    const { parts } = await build(4);
    await expectMeshError(() => readSequence(concat(parts[0], parts[2], parts[3])), 'integrity');
    await expectMeshError(() => readSequence(concat(parts[0], parts[2], parts[1])), 'integrity');
    await expectMeshError(() => readSequence(concat(parts[0], parts[1], parts[1])), 'integrity');
    // A frame rebuilt with correct own digests still breaks the chain of its successors.
    const other = await build(4);
    await expectMeshError(() => readSequence(concat(parts[0], other.parts[1], parts[2])));
  });

  test('frames with their own key exchange (Isolated) mix with the sequence exchange', async () => {
    const s = await createSequence({ recipients: [store] });
    const other = keyPair('X25519', 'other');
    const a = await appendFrame(s.state, utf8('own exchange'), { recipients: [store, other] });
    commitAppend(s.state, a);
    const b = await appendFrame(s.state, utf8('sequence exchange'), { key: s.key });
    commitAppend(s.state, b);
    const { frames } = readSequence(concat(s.frame, a.frame, b.frame));
    const ring = new SequenceKeyring(frames, [decryptionKey('X448', store.priv)]);
    expect(fromUtf8(await decryptFrame(frames[1], ring))).toBe('own exchange');
    expect(fromUtf8(await decryptFrame(frames[2], ring))).toBe('sequence exchange');
    const ring2 = new SequenceKeyring(frames, [decryptionKey('X25519', other.priv)]);
    expect(fromUtf8(await decryptFrame(frames[1], ring2))).toBe('own exchange');
    await expectMeshError(() => decryptFrame(frames[2], ring2), 'decrypt');
  });

  test('the service appends envelopes made by clients; signatures survive, digests are its own', async () => {
    const s = await createSequence({ contentMeta: { cty: 'application/mmm-catalog' } });
    const env = await createEnvelope(entry(1), { recipients: [store], signers: [signer('Ed448', device.priv, device.kid)], contentMeta: { UniqueId: 'u1' }, header: { SequenceInfo: { Index: 99 } } });
    const r = appendEnvelope(s.state, env);
    commitAppend(s.state, r);
    const { frames } = readSequence(concat(s.frame, r.frame));
    expect(frames[1].header.SequenceInfo?.Index).toBe(1);
    const opened = await openEnvelope(frameEnvelope(frames[1]), { keys: [decryptionKey('X448', store.priv)], verifyKeys: trusted, requireSignature: true });
    expect(opened.payload).toEqual(entry(1));
  });

  test('chain sequences and plaintext sequences', async () => {
    const { bytes, state } = await build(6, { type: 'Chain', encrypted: false });
    const read = readSequence(bytes);
    expect(read.state.type).toBe('Chain');
    expect(read.state.chain).toEqual(state.chain);
    expect(fromUtf8(read.frames[3].payload)).toBe(fromUtf8(entry(3)));
  });

  test('one frame against the tree and an apex', async () => {
    const { bytes, state } = await build(12);
    const { frames } = readSequence(bytes);
    verifyFrameInTree(frames, 5, 12, state.tree[12]);
    await expectMeshError(() => verifyFrameInTree(frames, 5, 12, state.tree[11]), 'integrity');
    frames[5].payload = frames[5].payload.slice();
    frames[5].payload[0] ^= 1;
    await expectMeshError(() => verifyFrameInTree(frames, 5, 12), 'integrity');
    await expectMeshError(() => verifyFrameInTree(frames, 13), 'not-found');
  });

  test('signed checkpoints: verified, forged or untrusted ones refused', async () => {
    const { state, parts } = await build(8);
    const cp = await appendCheckpoint(state, [signer('Ed448', device.priv, device.kid)]);
    commitAppend(state, cp);
    const after = await appendFrame(state, entry(50), {});
    commitAppend(state, after);
    const bytes = concat(...parts, cp.frame, after.frame);
    const read = readSequence(bytes);
    expect(latestCheckpoint(read.frames, trusted, read.state.tree)).toEqual({ index: 8, apex: read.state.tree[8] });
    await expectMeshError(() => latestCheckpoint(read.frames, keysByKid([]), read.state.tree), 'signature');
    const forger = keyPair('Ed448', 'device');
    const fake = readSequence(concat(...parts)).state;
    const forged = await appendCheckpoint(fake, [signer('Ed448', forger.priv, 'device')]);
    const r2 = readSequence(concat(...parts, forged.frame));
    await expectMeshError(() => latestCheckpoint(r2.frames, trusted, r2.state.tree), 'signature');
    expect(latestCheckpoint(readSequence(concat(...parts)).frames, trusted, state.tree)).toBeUndefined();
  });

  test('index frames are found reading backward', async () => {
    const { bytes, state } = await build(10);
    const { frames } = readSequence(bytes);
    const entries = indexEntries(frames);
    expect(entries.map((e) => e.UniqueId).sort()).toEqual(['id0', 'id1', 'id2', 'id3', 'id4', 'id5', 'id6']);
    expect(entries.find((e) => e.UniqueId === 'id3')!.Index).toBe(10);
    const r = await appendIndexFrame(state, entries);
    commitAppend(state, r);
    const all = concat(bytes, r.frame);
    expect(readSequence(all).frames).toHaveLength(12);
    const found = findIndex(all)!;
    expect(found.frame.index).toBe(11);
    expect(found.entries).toEqual(entries);
    expect(findIndex(bytes)).toBeUndefined();
  });
});

describe('sequence properties', () => {
  let sample: Uint8Array | undefined;
  const get = async () => (sample ??= (await build(6)).bytes);

  test('any single flipped bit in a sequence frame is detected', async () => {
    const bytes = await get();
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), fc.nat(7), async (pos, bit) => {
        const b = bytes.slice();
        b[pos] ^= 1 << bit;
        await expectMeshError(() => readSequence(b));
      }),
      { numRuns: 200 },
    );
  });

  test('checkpoint, EDS and index parsers: only MeshError on any input', () => {
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.jsonValue().map((v) => utf8(JSON.stringify({ SequenceCheckpoint: v }))),
      fc.record({ Index: fc.integer(), TreeDigest: fc.string() }).map((c) => utf8(JSON.stringify({ SequenceCheckpoint: c }))),
    );
    fc.assert(
      fc.property(jsonish, (b) => {
        for (const f of [() => parseCheckpoint(b), () => decodeEds(b), () => findIndex(b)]) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(MeshError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('arbitrary, truncated and spliced input: only MeshError, no hang', async () => {
    const bytes = await get();
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.nat(bytes.length).map((n) => bytes.subarray(0, n)),
      fc.tuple(fc.nat(bytes.length), fc.nat(bytes.length)).map(([a, b]) => concat(bytes.subarray(0, Math.min(a, b)), bytes.subarray(Math.max(a, b)))),
      fc.uint8Array({ minLength: 1, maxLength: 9 }).map((junk) => concat(Uint8Array.of(0xf7), junk)),
    );
    await fc.assert(
      fc.asyncProperty(input, async (b) => {
        try {
          const { frames } = readSequence(b);
          await decryptFrames(frames, new SequenceKeyring(frames, [decryptionKey('X448', store.priv)]));
          [...readBackward(b)];
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
