// Checkers for vectors/dare-sequence.json and mesh.json's project-sequence-digests.
import { expect } from 'vitest';
import type { VectorCheck } from './types.ts';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../src/mesh/bytes.ts';
import { encodeFrame, framesForward, framesBackward } from '../../src/mesh/dare/frame.ts';
import { chainDigest, previousFrame, referenceChainDigest, referenceTreeDigest, treeDigest } from '../../src/mesh/dare/merkle.ts';
import { sha512, aesCbcEncrypt } from '../../src/mesh/dare/primitives.ts';
import { payloadKeys } from '../../src/mesh/dare/keyschedule.ts';
import { decryptionKey, unwrapRecipient } from '../../src/mesh/dare/recipients.ts';
import { commitAppend, readSequence, type AppendResult } from '../../src/mesh/dare/sequence.ts';

const hex = (b: Uint8Array) => toHex(b).toUpperCase();
/** The 300-octet data payload of the Appendix B examples: octet i = i mod 256. */
const pattern = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
const empty = new Uint8Array(0);

/** "F4 91"-style trace of a sequence: frame start, records, frame end, as the draft prints it. */
function trace(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const h = (b: Uint8Array) => [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  for (const f of framesForward(bytes)) {
    const w = 1 << (bytes[f.start] - 0xf4);
    out.push(h(bytes.subarray(f.start, f.start + 1 + w)));
    let at = f.start + 1 + w;
    const contentEnd = f.end - 1 - w;
    while (at < contentEnd) {
      const rw = 1 << (bytes[at] - 0xf0);
      out.push(h(bytes.subarray(at, at + 1 + rw)));
      let len = 0;
      for (let i = 0; i < rw; i++) len = len * 256 + bytes[at + 1 + i];
      at += 1 + rw + len;
    }
    out.push(h(bytes.subarray(contentEnd, f.end)));
  }
  return out;
}

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

export const checks: Record<string, VectorCheck> = {
  'seq-framing-simple': Object.assign(
    async (entry: any) => {
      const h0 = utf8(entry.expected.frame0_header_json_crlf);
      const h1 = utf8(entry.expected.frame1_header_json_crlf);
      expect(h0.length).toBe(entry.expected.frame0_header_bytes);
      expect(h1.length).toBe(entry.expected.frame1_header_bytes);
      const bytes = cat(encodeFrame({ header: h0, payload: empty, trailer: empty, emptyRecords: true }), encodeFrame({ header: h1, payload: pattern }));
      expect(trace(bytes)).toEqual(entry.expected.trace);
      // Readable both ways; the reader accepts the CRLF-pretty JSON headers.
      expect([...framesBackward(bytes)].map((f) => f.start)).toEqual([...framesForward(bytes)].map((f) => f.start).reverse());
      const { frames, state } = readSequence(bytes);
      expect(state.type).toBe('List');
      expect(frames[1].payload).toEqual(pattern);
      expect(frames[0].header.SequenceInfo?.ContainerType).toBe('List');
    },
    { title: 'trace byte-exact; header layout (CRLF, 2-space indent) is the vector\'s inference' },
  ),

  'seq-framing-encrypted-dare12': Object.assign(
    async (entry: any) => {
      // Frame 0: 728-octet header, 16-octet payload (an encrypted empty payload), empty trailer record;
      // frames 1-2: 451-octet header, 300 octets encrypted under AES-CBC (304), no trailer.
      const body = await aesCbcEncrypt(new Uint8Array(32), new Uint8Array(16), pattern);
      expect(body.length).toBe(0x130);
      expect((await aesCbcEncrypt(new Uint8Array(32), new Uint8Array(16), empty)).length).toBe(0x10);
      const f0 = encodeFrame({ header: new Uint8Array(0x2d8).fill(0x20), payload: new Uint8Array(16), trailer: empty, emptyRecords: true });
      const f = encodeFrame({ header: new Uint8Array(0x1c3).fill(0x20), payload: body });
      expect(trace(cat(f0, f, f))).toEqual(entry.expected.trace);
    },
    { title: 'length arithmetic only: the dare-12 frame contents are not printed' },
  ),

  'seq-chain-digests': Object.assign(
    async (entry: any) => {
      const e = entry.expected;
      expect(toBase64Url(sha512(empty))).toBe(e.PayloadDigest_frame0);
      expect(toBase64Url(sha512(pattern))).toBe(e.PayloadDigest_frames_1_3);
      expect(toBase64Url(referenceChainDigest(sha512(empty)))).toBe(e.ChainDigest_frame0);
      expect(toBase64Url(referenceChainDigest(sha512(pattern)))).toBe(e.ChainDigest_frames_1_3);
      expect(e.printed_ChainDigest_frame0).toBe(e.ChainDigest_frame0);
      // Our chain binds real predecessors: frame 0 coincides, later frames differ from the printed ones.
      const c0 = chainDigest(undefined, sha512(empty));
      expect(toBase64Url(c0)).toBe(e.ChainDigest_frame0);
      expect(toBase64Url(chainDigest(c0, sha512(pattern)))).not.toBe(e.ChainDigest_frames_1_3);
    },
    { title: 'published values reproduced only with zero predecessors (reference writer bug); compat check' },
  ),

  'seq-merkle-tree': Object.assign(
    async (entry: any) => {
      const e = entry.expected;
      const pds = [sha512(empty), ...Array(6).fill(sha512(pattern))];
      expect(pds.map((pd, n) => toBase64Url(referenceTreeDigest(n, pd)))).toEqual(e.TreeDigest_printed);
      for (const [n, p] of Object.entries(e.PreviousFrame)) expect(previousFrame(Number(n))).toBe(p);
      // TreePosition[n] is the offset of frame PreviousFrame(n): frames sharing a predecessor share it.
      const tp = e.TreePosition_printed as Record<string, number>;
      const offsetOf = new Map<number, number>();
      for (const [n, pos] of Object.entries(tp)) {
        const prev = previousFrame(Number(n));
        if (offsetOf.has(prev)) expect(offsetOf.get(prev)).toBe(pos);
        offsetOf.set(prev, pos);
      }
      expect(offsetOf.get(0)).toBe(0);
    },
    { title: 'published TreeDigests reproduced with zero left inputs (reference bug), compat only; TreePosition checked for consistency' },
  ),

  'seq-encrypted-recipients': Object.assign(
    async (entry: any) => {
      const k = entry.input.recipient_private;
      const key = decryptionKey(k.crv, fromBase64Url(k.private_b64url), k.kid);
      for (const f of entry.expected.frames) {
        const seed = await unwrapRecipient({ kid: k.kid, epk: { PublicKeyECDH: { crv: k.crv, Public: f.epk } }, wmk: f.wmk }, key);
        expect(hex(seed)).toBe(f.base_seed_hex);
        const pk = payloadKeys(seed, fromBase64Url(f.Salt));
        expect(hex(pk.key)).toBe(f.payload_key_hex);
        expect(hex(pk.iv)).toBe(f.payload_iv_hex);
      }
      expect(fromHex(entry.expected.frames[0].base_seed_hex)).not.toEqual(fromHex(entry.expected.frames[1].base_seed_hex));
    },
    { title: 'the example does one key exchange per frame (policy Isolated), unlike its text; each exchange checked' },
  ),

  'project-sequence-digests': async (entry) => {
    const pds = (entry.input.PayloadDigest_b64url as string[]).map(fromBase64Url);
    const tree: Uint8Array[] = [];
    let chain: Uint8Array | undefined;
    const chains: string[] = [];
    for (let n = 0; n < pds.length; n++) {
      tree.push(treeDigest(n, pds[n], (i) => tree[i]));
      chain = chainDigest(chain, pds[n]);
      chains.push(toBase64Url(chain));
    }
    expect(tree.map(toBase64Url)).toEqual(entry.expected.TreeDigest_b64url);
    expect(chains).toEqual(entry.expected.ChainDigest_b64url);
    // The sequence writer produces exactly these digests for the same payloads.
    const { createSequence, appendFrame } = await import('../../src/mesh/dare/sequence.ts');
    const s = await createSequence({ type: 'Merkle' });
    const parts = [s.frame];
    for (let n = 1; n < pds.length; n++) {
      const r: AppendResult = await appendFrame(s.state, pattern);
      commitAppend(s.state, r);
      parts.push(r.frame);
    }
    expect(s.state.tree.map(toBase64Url)).toEqual(entry.expected.TreeDigest_b64url);
    const read = readSequence(cat(...parts));
    expect(read.state.tree.map(toBase64Url)).toEqual(entry.expected.TreeDigest_b64url);
    const c = await createSequence({ type: 'Chain' });
    const cparts = [c.frame];
    for (let n = 1; n < pds.length; n++) {
      const r = await appendFrame(c.state, pattern);
      commitAppend(c.state, r);
      cparts.push(r.frame);
    }
    expect(toBase64Url(c.state.chain!)).toBe(entry.expected.ChainDigest_b64url[pds.length - 1]);
    expect(toBase64Url(readSequence(cat(...cparts)).state.chain!)).toBe(entry.expected.ChainDigest_b64url[pds.length - 1]);
  },
};
