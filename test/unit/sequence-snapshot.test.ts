import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MeshError } from '../../src/mesh/errors.ts';
import { concat, fromUtf8, utf8 } from '../../src/mesh/bytes.ts';
import {
  createSequence, appendFrame, commitAppend, readSequence, createSnapshot, openSnapshot, treeFrontier, treeInputs, decryptFrames,
  SequenceKeyring, generatePrivate, publicFromPrivate, type SequenceKey,
} from '../../src/mesh/dare/index.ts';

const priv = generatePrivate('X448');
const store = { kid: 'store', crv: 'X448' as const, public: publicFromPrivate('X448', priv) };

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

async function catalog(n: number, snapAt: number) {
  const s = await createSequence({ recipients: [store] });
  const key = s.key as SequenceKey;
  const parts = [s.frame];
  let snap = new Uint8Array(0) as Uint8Array;
  for (let i = 1; i <= n; i++) {
    const r = await appendFrame(s.state, utf8(`entry ${i}`), { key });
    commitAppend(s.state, r);
    parts.push(r.frame);
    if (i === snapAt) snap = await createSnapshot(key, s.state, utf8(`body at ${i}`));
  }
  return { bytes: concat(...parts), key, snap, state: s.state };
}

describe('snapshots', () => {
  test('the frontier holds every digest later frames read', () => {
    for (let c = 1; c < 200; c++) {
      const f = new Set(treeFrontier(c));
      for (let m = c; m < 4 * c + 8; m++) for (const i of treeInputs(m)) if (i < c) expect(f.has(i)).toBe(true);
    }
    expect(treeFrontier(10000).length).toBeLessThan(30);
  });

  test('open a snapshot, then verify and decrypt only the frames after it', async () => {
    const { bytes, key, snap, state } = await catalog(40, 33);
    const s = await openSnapshot(snap, key, bytes);
    expect(fromUtf8(s.body)).toBe('body at 33');
    expect(s.state.count).toBe(34);
    const tail = readSequence(bytes.subarray(s.state.length), { state: s.state });
    expect(tail.frames.map((f) => f.index)).toEqual([34, 35, 36, 37, 38, 39, 40]);
    expect(s.state.tree[40]).toEqual(state.tree[40]);
    const plain = await decryptFrames(tail.frames, new SequenceKeyring([], []).addKey(key));
    expect(fromUtf8(plain[6])).toBe('entry 40');
  });

  test('wrong key, another sequence, a shorter sequence, a tampered tail', async () => {
    const a = await catalog(10, 8);
    const b = await catalog(10, 8);
    await expectMeshError(() => openSnapshot(a.snap, b.key), 'integrity');
    await expectMeshError(() => openSnapshot(a.snap, { ...a.key, position: 5 }));
    await expectMeshError(() => openSnapshot(a.snap, a.key, b.bytes), 'integrity');
    const s = await openSnapshot(a.snap, a.key, a.bytes);
    await expectMeshError(() => openSnapshot(a.snap, a.key, a.bytes.subarray(0, s.state.length - 1)), 'rollback');
    const tampered = a.bytes.slice();
    tampered[tampered.length - 30] ^= 1;
    await expectMeshError(() => readSequence(tampered.subarray(s.state.length), { state: s.state }));
  });

  test('any flipped bit in a snapshot is detected', async () => {
    const { snap, key } = await catalog(6, 6);
    await fc.assert(
      fc.asyncProperty(fc.nat(snap.length - 1), fc.nat(7), async (pos, bit) => {
        const b = snap.slice();
        b[pos] ^= 1 << bit;
        await expectMeshError(() => openSnapshot(b, key));
      }),
      { numRuns: 200 },
    );
  });
});
