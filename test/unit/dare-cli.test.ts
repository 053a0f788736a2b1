// The `mesh dare` and `mesh sequence` commands, run in-process through the CLI entry point.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { concat, fromBase64Url, utf8 } from '../../src/mesh/bytes.ts';
import { appendFrame, commitAppend, createSequence } from '../../src/mesh/dare/index.ts';

let dir: string;
const p = (f: string) => join(dir, f);

async function mesh(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main([...argv, '--home', dir]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mesh-dare-'));
  await writeFile(p('msg.txt'), 'hello dare\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mesh dare', () => {
  test('keygen, encode (encrypted and signed), decode, verify', async () => {
    expect((await mesh('dare', 'keygen', '--out', p('alice.key'), '--public', p('alice.pub'))).code).toBe(0);
    expect((await mesh('dare', 'keygen', '--curve', 'Ed448', '--out', p('sig.key'), '--public', p('sig.pub'))).code).toBe(0);
    const pub = JSON.parse(await readFile(p('alice.pub'), 'utf8'));
    expect(pub.crv).toBe('X448');
    expect(pub.Private).toBeUndefined();
    const enc = await mesh('dare', 'encode', p('msg.txt'), '--out', p('msg.dare'), '--encrypt', p('alice.pub'), '--sign', p('sig.key'), '--json');
    expect(enc.code).toBe(0);
    expect(JSON.parse(enc.out)).toMatchObject({ encrypted: true, signers: [JSON.parse(await readFile(p('sig.pub'), 'utf8')).kid] });
    expect(await readFile(p('msg.dare'), 'utf8')).not.toContain('hello');
    const dec = await mesh('dare', 'decode', p('msg.dare'), '--key', `${p('alice.key')},${p('sig.pub')}`);
    expect(dec).toMatchObject({ code: 0, out: 'hello dare\n' });
    expect((await mesh('dare', 'verify', p('msg.dare'), '--key', p('sig.pub'))).code).toBe(0);
  });

  test('failures: one line on stderr, non-zero exit', async () => {
    const noKey = await mesh('dare', 'decode', p('msg.dare'));
    expect(noKey.code).not.toBe(0);
    expect(noKey.err.trim().split('\n')).toHaveLength(1);
    const unchecked = await mesh('dare', 'verify', p('msg.dare'));
    expect(unchecked.code).not.toBe(0);
    const text = await readFile(p('msg.dare'), 'utf8');
    const i = text.indexOf('"PayloadDigest":"') + 20;
    await writeFile(p('bad.dare'), text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
    const bad = await mesh('dare', 'verify', p('bad.dare'), '--key', p('sig.pub'));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/PayloadDigest/);
    expect((await mesh('dare', 'encode', p('missing'), '--out', p('x'))).err).toMatch(/cannot read/);
    expect((await mesh('dare', 'encode', p('msg.txt'), '--out', p('x'), '--sign', p('alice.key'))).err).toMatch(/cannot sign/);
  });
});

describe('mesh sequence', () => {
  test('list and verify, torn and tampered files', async () => {
    const pub = JSON.parse(await readFile(p('alice.pub'), 'utf8'));
    const s = await createSequence({ recipients: [{ kid: pub.kid, crv: 'X448', public: fromBase64Url(pub.Public) }] });
    const parts = [s.frame];
    for (let i = 1; i <= 3; i++) {
      const r = await appendFrame(s.state, utf8(`entry ${i}`), { key: s.key, contentMeta: { UniqueId: `id${i}` } });
      commitAppend(s.state, r);
      parts.push(r.frame);
    }
    const bytes = concat(...parts);
    await writeFile(p('cat.seq'), bytes);
    const list = await mesh('sequence', 'list', p('cat.seq'), '--json');
    expect(JSON.parse(list.out).frames.map((f: { uniqueId?: string }) => f.uniqueId)).toEqual([undefined, 'id1', 'id2', 'id3']);
    const ok = await mesh('sequence', 'verify', p('cat.seq'), '--key', p('alice.key'), '--json');
    expect(JSON.parse(ok.out)).toMatchObject({ valid: true, type: 'Merkle', frames: 4, decrypted: 3 });
    await writeFile(p('torn.seq'), bytes.subarray(0, bytes.length - 4));
    const torn = await mesh('sequence', 'verify', p('torn.seq'));
    expect(torn.code).not.toBe(0);
    expect(torn.err).toMatch(/torn last frame/);
    const bad = bytes.slice();
    bad[parts[0].length + 40] ^= 1;
    await writeFile(p('bad.seq'), bad);
    const tampered = await mesh('sequence', 'verify', p('bad.seq'));
    expect(tampered.code).not.toBe(0);
    expect(tampered.err).toMatch(/frame 1/);
  });
});
