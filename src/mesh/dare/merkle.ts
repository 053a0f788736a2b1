// Sequence integrity digests (dare.md §6.4-6.5a, decision 2): chain and Merkle tree digests
// bound to the real predecessors. The reference's zero-predecessor variant is kept only to
// reproduce its published values (compatibility test).
import { sha512Pair } from './primitives.ts';
import { MeshError } from '../errors.ts';

export const ZERO_DIGEST = new Uint8Array(64);
const H = sha512Pair;

/** C[n] = SHA-512(C[n-1] ‖ PD[n]), zeros before frame 0. */
export const chainDigest = (previous: Uint8Array | undefined, payloadDigest: Uint8Array): Uint8Array => H(previous ?? ZERO_DIGEST, payloadDigest);

/** Appendix C PreviousFrame(n): the frame whose subtree apex precedes frame n. */
export function previousFrame(n: number): number {
  let x = n + 1;
  let d = 1;
  while (x > 0) {
    if (x & 1) return x === 1 ? d / 2 - 1 : n - d;
    d *= 2;
    x = Math.floor(x / 2);
  }
  return 0;
}

/**
 * T[n] by the project rule. `tree(i)` returns the stored T[i] for i < n.
 *   T[0] = H(Z, PD[0]);  n ≥ 1: acc = PD[n]; while x=n+1 even: acc = H(T[n-d], acc), d*=2, x/=2;
 *   T[n] = H(T[x == 1 ? d/2 - 1 : n - d], acc)
 */
export function treeDigest(n: number, payloadDigest: Uint8Array, tree: (i: number) => Uint8Array | undefined): Uint8Array {
  if (n === 0) return H(ZERO_DIGEST, payloadDigest);
  const get = (i: number): Uint8Array => {
    const t = tree(i);
    if (!t) throw new MeshError('integrity', `tree digest of frame ${i} is missing`);
    return t;
  };
  let x = n + 1;
  let d = 1;
  let acc = payloadDigest;
  while ((x & 1) === 0) {
    acc = H(get(n - d), acc);
    d *= 2;
    x = Math.floor(x / 2);
  }
  return H(get(x === 1 ? d / 2 - 1 : n - d), acc);
}

/** The indices whose T values treeDigest(n) reads (for proofs and for checking one frame). */
export function treeInputs(n: number): number[] {
  if (n === 0) return [];
  const out: number[] = [];
  let x = n + 1;
  let d = 1;
  while ((x & 1) === 0) {
    out.push(n - d);
    d *= 2;
    x = Math.floor(x / 2);
  }
  out.push(x === 1 ? d / 2 - 1 : n - d);
  return out;
}

/** The reference writer's degenerate tree digest: every left input zero, frame 0 walked as frame 1. */
export function referenceTreeDigest(n: number, payloadDigest: Uint8Array): Uint8Array {
  return treeDigest(n === 0 ? 1 : n, payloadDigest, () => ZERO_DIGEST);
}

/** The reference writer's degenerate chain digest: the predecessor is always zeros. */
export const referenceChainDigest = (payloadDigest: Uint8Array): Uint8Array => H(ZERO_DIGEST, payloadDigest);
