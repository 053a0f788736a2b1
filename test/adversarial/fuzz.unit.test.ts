// Hostile files and messages: property-based fuzzing of every parser MeshPass feeds with bytes it did
// not write (protocol JSON messages and headers, JSON-B, DARE envelopes and sequences, UDF strings,
// every import format). The property, for every input: a parsed result or a MeshError (the modules'
// documented error type) — never another exception type, never a hang (each case is timed against a
// cap), never partial state (a failed sequence read leaves the caller's state untouched; an import is
// a complete result or nothing, and its plan accounts for every record).
//
// Budget: a fixed small one in `npm test` (the whole file in well under a minute here), a long one with
// MESHPASS_SOAK=1 (`npm run test:soak`). Seeds: fixed in normal runs (reproducible), random in soak runs
// (printed; MESHPASS_FUZZ_SEED replays one). test/integration/service-fuzz.test.ts covers the service.
import { afterAll, describe, expect, test, vi } from 'vitest';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { MeshError } from '../../src/mesh/errors.ts';
import { concat, fromBase64Url, toBase64Url, utf8 } from '../../src/mesh/bytes.ts';
import { decodeJsonb, decodeJsonbItems, encodeJsonb } from '../../src/mesh/jsonb.ts';
import {
  appendFrame, checkPayloadDigest, cloneState, commitAppend, contentMeta, createEnvelope, createSequence, decodeEnvelope, decryptFrames,
  decryptionKey, encodeEnvelopeJson, encodeEnvelopeJsonb, envelopeFromJson, findIndex, generatePrivate, keysByKid, openEnvelope,
  parseCheckpoint, parseJsonOrJsonb, publicFromPrivate, readBackward, readLastFrame, readSequence, SequenceKeyring, signer,
  verifyEnvelopeSignatures, type Curve, type SequenceKey, type SequenceState,
} from '../../src/mesh/dare/index.ts';
import { parseUdfUri, secretParse, udfDigest, udfEncryptionKey, udfNonce, udfParse, udfSecret } from '../../src/mesh/udf.ts';
import { base32Decode } from '../../src/mesh/base32.ts';
import { decodeRequest, decodeResponse, encodeRequest } from '../../src/mesh/protocol/framing.ts';
import { RESPONSE_TAG, type TransactionName } from '../../src/mesh/protocol/messages.ts';
import { checkResponseHeader, formatAuthHeader, parseAuthHeader } from '../../src/mesh/protocol/mac.ts';
import { readKeyData, readObject, readProfile } from '../../src/mesh/protocol/objects.ts';
import { editsForPlan, importFile, planImport, type ImportOptions, type ImportOutcome, type ImportRecord } from '../../src/import/index.ts';
import { FORMAT_IDS } from '../../src/import/types.ts';
import { xmldomParseXml } from '../unit/import/helpers.ts';
import { makeAccount } from '../integration/service-fixtures.ts';
import { isSoak, recordCase } from './summary.ts';

const SOAK = isSoak();
/** Runs per property: normal budget, soak budget. */
const runs = (normal: number, soak = normal * 40): number => (SOAK ? soak : normal);
const SEED = process.env.MESHPASS_FUZZ_SEED ? Number(process.env.MESHPASS_FUZZ_SEED) : SOAK ? Date.now() % 2 ** 31 : 20261202;
/** Per-case time cap: a parser that takes longer on a small input has a super-linear path (or hangs). */
const CASE_MS = Number(process.env.MESHPASS_FUZZ_CASE_MS ?? (SOAK ? 4000 : 2000));
const CATEGORY = 'hostile-files';
const fcOptions = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

if (SOAK) console.log(`[fuzz] soak run, seed ${SEED} (replay: MESHPASS_FUZZ_SEED=${SEED})`);
// Per test: the project's 30 s default in normal runs is plenty; a soak property may run for minutes.
vi.setConfig({ testTimeout: SOAK ? 30 * 60_000 : 60_000 });

interface Stats {
  cases: number;
  rejected: number;
  accepted: number;
  slowestMs: number;
}
const stats = new Map<string, Stats>();
const statsOf = (name: string): Stats => {
  let s = stats.get(name);
  if (!s) stats.set(name, (s = { cases: 0, rejected: 0, accepted: 0, slowestMs: 0 }));
  return s;
};

/**
 * Runs one parse; returns the result or undefined when it threw a MeshError. Any other exception,
 * or a run over the time cap, fails the property.
 */
function parses<T>(parser: string, fn: () => T): T | undefined {
  const s = statsOf(parser);
  s.cases++;
  const t0 = performance.now();
  let out: T | undefined;
  try {
    out = fn();
    s.accepted++;
  } catch (e) {
    if (!(e instanceof MeshError)) throw new Error(`${parser}: threw ${(e as Error)?.constructor?.name ?? typeof e} instead of a MeshError: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
    s.rejected++;
    out = undefined;
  }
  const ms = performance.now() - t0;
  s.slowestMs = Math.max(s.slowestMs, ms);
  if (ms > CASE_MS) throw new Error(`${parser}: one case took ${ms.toFixed(0)} ms (cap ${CASE_MS} ms)`);
  return out;
}

async function parsesAsync<T>(parser: string, fn: () => Promise<T>): Promise<T | undefined> {
  const s = statsOf(parser);
  s.cases++;
  const t0 = performance.now();
  let out: T | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    out = await Promise.race([
      fn(),
      new Promise<never>((_, failed) => {
        timer = setTimeout(() => failed(new Error(`${parser}: one case did not finish in ${CASE_MS} ms`)), CASE_MS);
      }),
    ]);
    s.accepted++;
  } catch (e) {
    if (!(e instanceof MeshError)) throw e instanceof Error && e.message.startsWith(parser) ? e : new Error(`${parser}: threw ${(e as Error)?.constructor?.name} instead of a MeshError: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
    s.rejected++;
  } finally {
    clearTimeout(timer);
  }
  s.slowestMs = Math.max(s.slowestMs, performance.now() - t0);
  return out;
}

/** Runs a property and records it in the adversarial summary. */
async function fuzz(name: string, body: () => void | Promise<void>): Promise<void> {
  const before = stats.get(name)?.cases ?? 0;
  let passed = false;
  try {
    await body();
    passed = true;
  } finally {
    const s = statsOf(name);
    recordCase(CATEGORY, name, { detected: s.rejected > 0, invariants: s.cases - before, passed });
  }
}

afterAll(() => {
  const rows = [...stats.entries()].map(([k, s]) => `${k.padEnd(44)} ${String(s.cases).padStart(7)} cases  ${String(s.rejected).padStart(7)} rejected  slowest ${s.slowestMs.toFixed(1)} ms`);
  console.log(`[fuzz] seed ${SEED}${SOAK ? ' (soak)' : ''}\n${rows.join('\n')}`);
});

// ---------------------------------------------------------------- mutations

type Mutation =
  | { kind: 'flip'; at: number; bit: number; count: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'splice'; at: number; insert: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number };

const mutationArb = (length: number): fc.Arbitrary<Mutation> => {
  const at = fc.nat(Math.max(0, length - 1));
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat(7), count: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('set' as const), at, value: fc.constantFrom(0, 0x22, 0x2c, 0x0a, 0x5b, 0x7b, 0x7d, 0x80, 0xff, 0x3c, 0x3e, 0x30, 0x39) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(length) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(length), insert: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
    fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 256 }) }),
  );
};
const mutationsArb = (length: number) => fc.array(mutationArb(length), { minLength: 1, maxLength: 3 });

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = bytes;
  for (const m of ms) {
    const at = Math.min(m.at, Math.max(0, b.length - 1));
    switch (m.kind) {
      case 'flip':
        b = b.slice();
        for (let i = 0; i < m.count && b.length; i++) b[(at + i * 31) % b.length] ^= 1 << m.bit;
        break;
      case 'set':
        if (b.length) (b = b.slice())[at] = m.value;
        break;
      case 'cut':
        b = b.slice(0, Math.min(m.at, b.length));
        break;
      case 'splice':
        b = concat(b.subarray(0, Math.min(m.at, b.length)), m.insert, b.subarray(Math.min(m.at, b.length)));
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + m.length)));
        break;
      case 'duplicate':
        b = concat(b.subarray(0, at + Math.min(m.length, b.length - at)), b.subarray(at));
        break;
    }
  }
  return b;
}

/** Text-level mutations for text formats (CSV, JSON, XML): structural characters are what breaks parsers. */
const textNoise = fc.constantFrom('"', '""', ',', ';', '\t', '\n', '\r\n', '\r', '\\', '{', '}', '[', ']', ':', '<', '>', '</', '&amp;', '&#0;', '\u0000', '\uFEFF', '\uD800', '😀', 'é', '=cmd|', '\u2028', '"\n"', '<![CDATA[', ']]>');
function spliceText(text: string, at: number, insert: string, del: number): string {
  const i = Math.min(at, text.length);
  return text.slice(0, i) + insert + text.slice(Math.min(text.length, i + del));
}

// ---------------------------------------------------------------- JSON-B

const jsonbValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map((n) => Number(n)),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 10 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('JSON-B', () => {
  test('random bytes: decodeJsonb / decodeJsonbItems / parseJsonOrJsonb', async () => {
    await fuzz('jsonb: random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
          parses('jsonb: random bytes', () => decodeJsonb(b));
          parses('jsonb: random bytes', () => decodeJsonbItems(b));
          parses('jsonb: random bytes', () => parseJsonOrJsonb(b));
        }),
        fcOptions(runs(600)),
      );
    });
  });

  test('encode → mutate → decode; unmutated values round-trip', async () => {
    await fuzz('jsonb: mutated encodings', () => {
      fc.assert(
        fc.property(jsonbValue, fc.array(mutationArb(64), { maxLength: 3 }), (v, ms) => {
          let encoded: Uint8Array;
          try {
            encoded = encodeJsonb(v);
          } catch (e) {
            // The encoder refuses what JSON-B cannot hold (e.g. unsafe integers): a MeshError too.
            if (e instanceof MeshError) return;
            throw e;
          }
          if (ms.length === 0) {
            const back = parses('jsonb: mutated encodings', () => decodeJsonb(encoded));
            expect(back).toEqual(JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? { __b: [...x] } : x)), (_k, x) => (x && Array.isArray(x.__b) ? new Uint8Array(x.__b) : x)));
          } else parses('jsonb: mutated encodings', () => decodeJsonb(mutate(encoded, ms)));
        }),
        fcOptions(runs(500)),
      );
    });
  });

  test('deep nesting and huge declared lengths are refused, not followed', async () => {
    await fuzz('jsonb: nesting and lengths', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(0x90, 0x91, 0x92, 0x93, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0xb0, 0xb1, 0xb2, 0xb3), (n, tag) => {
          const deep = new Uint8Array(n).fill(0xb0); // "[" repeated, never closed
          parses('jsonb: nesting and lengths', () => decodeJsonb(deep));
          const claim = new Uint8Array([tag, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x41]);
          parses('jsonb: nesting and lengths', () => decodeJsonb(claim));
        }),
        fcOptions(runs(150)),
      );
    });
  });
});

// ---------------------------------------------------------------- DARE envelopes

function keyPair(crv: Curve, kid: string) {
  const priv = generatePrivate(crv);
  return { crv, kid, priv, public: publicFromPrivate(crv, priv) };
}
const x448 = keyPair('X448', 'fuzz-x448');
const ed448 = keyPair('Ed448', 'fuzz-ed448');
const lookup = keysByKid([ed448]);
const PAYLOAD = utf8('{"CatalogedCredential":{"Service":"fuzz.example","Username":"alice","Password":"pw-fuzz"}}');

async function sampleEnvelopes(): Promise<{ bytes: Uint8Array; encrypted: boolean }[]> {
  const signed = await createEnvelope(PAYLOAD, { signers: [signer('Ed448', ed448.priv, ed448.kid)], contentMeta: { cty: 'application/mmm-catalog' }, bindHeader: true });
  const sealed = await createEnvelope(PAYLOAD, { recipients: [x448], signers: [signer('Ed448', ed448.priv, ed448.kid)], bindHeader: true });
  const plain = await createEnvelope(PAYLOAD, { digest: true });
  return [
    { bytes: encodeEnvelopeJson(signed), encrypted: false },
    { bytes: encodeEnvelopeJsonb(signed, true), encrypted: false },
    { bytes: encodeEnvelopeJson(sealed, true), encrypted: true },
    { bytes: encodeEnvelopeJsonb(sealed), encrypted: true },
    { bytes: encodeEnvelopeJson(plain), encrypted: false },
  ];
}

describe('DARE envelopes', () => {
  test('random bytes and random JSON values', async () => {
    await fuzz('envelope: random input', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.jsonValue({ maxDepth: 4 }), (b, v) => {
          parses('envelope: random input', () => decodeEnvelope(b));
          parses('envelope: random input', () => envelopeFromJson(v));
          parses('envelope: random input', () => envelopeFromJson([v, 'AA']));
          parses('envelope: random input', () => envelopeFromJson({ DareEnvelope: [v, '', v] }));
        }),
        fcOptions(runs(500)),
      );
    });
  });

  test('mutated real envelopes: rejected, or opened to exactly the original payload', async () => {
    const samples = await sampleEnvelopes();
    // Control: every unmutated sample opens to the payload (so the property is not vacuous).
    for (const sample of samples) {
      const opened = await openEnvelope(decodeEnvelope(sample.bytes), { keys: [decryptionKey('X448', x448.priv, x448.kid)], verifyKeys: lookup });
      expect(opened.payload).toEqual(PAYLOAD);
    }
    await fuzz('envelope: mutated real envelopes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(samples.length - 1), mutationsArb(600), async (i, ms) => {
          const sample = samples[i];
          const bytes = mutate(sample.bytes, ms);
          const env = parses('envelope: mutated real envelopes', () => decodeEnvelope(bytes));
          if (!env) return;
          parses('envelope: mutated real envelopes', () => contentMeta(env.header));
          parses('envelope: mutated real envelopes', () => verifyEnvelopeSignatures(env, lookup));
          parses('envelope: mutated real envelopes', () => verifyEnvelopeSignatures(env, undefined, true));
          const opened = await parsesAsync('envelope: mutated real envelopes', () =>
            openEnvelope(env, { keys: [decryptionKey('X448', x448.priv, x448.kid)], verifyKeys: lookup, requireSignature: sample.bytes !== samples[4].bytes }),
          );
          // No silent corruption: what opens is the original payload.
          if (opened) expect(opened.payload).toEqual(PAYLOAD);
        }),
        fcOptions(runs(250)),
      );
    });
  });

  test('the JSON model of a real envelope with hostile field values', async () => {
    const [first] = await sampleEnvelopes();
    const model = JSON.parse(new TextDecoder().decode(first.bytes)) as [Record<string, unknown>, string, Record<string, unknown>?];
    const fields = [...new Set([...Object.keys(model[0]), ...Object.keys(model[2] ?? {}), 'enc', 'kid', 'dig', 'recipients', 'signatures', 'policy', 'SequenceInfo', 'ContentMetaData', 'PayloadDigest', 'annotations', 'Salt', 'cty', 'HeaderDigest', 'ChainDigest', 'TreeDigest'])];
    await fuzz('envelope: hostile field values', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...fields), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant('__proto__'), fc.string()), fc.boolean(), async (field, value, inTrailer) => {
          const m = structuredClone(model);
          const target = inTrailer ? (m[2] ??= {}) : m[0];
          target[field] = value;
          const env = parses('envelope: hostile field values', () => envelopeFromJson(m));
          if (!env) return;
          parses('envelope: hostile field values', () => checkPayloadDigest(env));
          parses('envelope: hostile field values', () => verifyEnvelopeSignatures(env, lookup));
          const opened = await parsesAsync('envelope: hostile field values', () => openEnvelope(env, { verifyKeys: lookup }));
          if (opened) expect(opened.payload).toEqual(PAYLOAD);
        }),
        fcOptions(runs(300)),
      );
    });
  });
});

// ---------------------------------------------------------------- DARE sequences

async function sampleSequence(n: number, encrypted: boolean) {
  const s = await createSequence({ type: 'Merkle', recipients: encrypted ? [x448] : undefined, contentMeta: { cty: 'application/mmm-catalog' } });
  const parts = [s.frame];
  const payloads: Uint8Array[] = [new Uint8Array(0)];
  for (let i = 1; i <= n; i++) {
    const p = utf8(JSON.stringify({ CatalogedCredential: { Service: `s${i}.example`, Username: `u${i}`, Password: `pw-${i}` } }));
    const r = await appendFrame(s.state, p, { key: s.key, contentMeta: { UniqueId: `id${i}`, Event: 'New' } });
    commitAppend(s.state, r);
    parts.push(r.frame);
    payloads.push(p);
  }
  return { bytes: concat(...parts), parts, state: s.state, key: s.key as SequenceKey | undefined, payloads };
}

describe('DARE sequences', () => {
  test('random bytes: readSequence, readLastFrame, readBackward, findIndex', async () => {
    await fuzz('sequence: random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
          parses('sequence: random bytes', () => readSequence(b));
          parses('sequence: random bytes', () => readLastFrame(b));
          parses('sequence: random bytes', () => [...readBackward(b)]);
          parses('sequence: random bytes', () => findIndex(b));
          parses('sequence: random bytes', () => parseCheckpoint(b));
        }),
        fcOptions(runs(500)),
      );
    });
  });

  test('mutated real sequences: rejected, or every frame read is an original frame', async () => {
    const seqs = [await sampleSequence(5, true), await sampleSequence(4, false)];
    // Control: the unmutated sequences read and decrypt to their payloads (so the property is not vacuous).
    const control = readSequence(seqs[0].bytes);
    expect(await decryptFrames(control.frames, new SequenceKeyring(control.frames, [decryptionKey('X448', x448.priv, x448.kid)]))).toEqual(seqs[0].payloads);
    await fuzz('sequence: mutated real sequences', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(1), mutationsArb(4000), async (i, ms) => {
          const seq = seqs[i];
          const bytes = mutate(seq.bytes, ms);
          const read = parses('sequence: mutated real sequences', () => readSequence(bytes));
          parses('sequence: mutated real sequences', () => [...readBackward(bytes)]);
          parses('sequence: mutated real sequences', () => readLastFrame(bytes));
          if (!read) return;
          // A verified read of a mutated file holds only original frames (a cut at a frame boundary is a
          // shorter, valid sequence; rollback detection is checkExtends' job, tested elsewhere).
          expect(read.frames.length).toBeLessThanOrEqual(seq.payloads.length);
          if (seq.key) {
            const keyring = new SequenceKeyring(read.frames, [decryptionKey('X448', x448.priv, x448.kid)]);
            const plain = await parsesAsync('sequence: mutated real sequences', () => decryptFrames(read.frames, keyring));
            if (plain) plain.forEach((p, k) => expect(p).toEqual(seq.payloads[k]));
          } else read.frames.forEach((f, k) => expect(f.payload).toEqual(seq.payloads[k]));
        }),
        fcOptions(runs(250)),
      );
    });
  });

  test('an incremental read of a mutated tail leaves the caller’s state untouched on failure', async () => {
    const seq = await sampleSequence(6, false);
    const headLength = seq.parts.slice(0, 4).reduce((n, p) => n + p.length, 0);
    const head = readSequence(seq.bytes.subarray(0, headLength));
    const tail = seq.bytes.subarray(headLength);
    await fuzz('sequence: no partial state', () => {
      fc.assert(
        fc.property(fc.array(mutationArb(tail.length), { maxLength: 3 }), (ms) => {
          const state: SequenceState = cloneState(head.state);
          const before = structuredClone(state);
          const r = parses('sequence: no partial state', () => readSequence(mutate(tail, ms), { state }));
          if (!r) expect(state).toEqual(before);
          else expect(state.count).toBe(before.count + r.frames.length);
        }),
        fcOptions(runs(300)),
      );
    });
  });
});

// ---------------------------------------------------------------- UDF

describe('UDF', () => {
  const base32 = fc.stringMatching(/^[A-Z2-7-]{0,140}$/);
  test('udfParse, parseUdfUri, secretParse, base32Decode on random and mutated strings', async () => {
    const valid = [udfDigest(utf8('fuzz'), 'text/plain'), udfNonce(), udfEncryptionKey(), udfSecret(), udfDigest(utf8('x'), 'text/plain', { alg: 'sha3' } as never)];
    await fuzz('udf: strings', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 200 }), base32, fc.constantFrom(...valid)), fc.nat(200), fc.oneof(fc.constantFrom('', '-', 'A', '7', '=', '0', '1', '8', ' ', 'udf:', '@', '\u0000'), base32), fc.nat(4), (s, at, insert, del) => {
          const t = spliceText(s, at, insert, del);
          for (const x of [s, t]) {
            parses('udf: strings', () => udfParse(x));
            parses('udf: strings', () => parseUdfUri(`udf://example.com/${x}`));
            parses('udf: strings', () => parseUdfUri(x));
            parses('udf: strings', () => secretParse(x));
            parses('udf: strings', () => base32Decode(x));
          }
        }),
        fcOptions(runs(600)),
      );
    });
  });
});

// ---------------------------------------------------------------- protocol messages

const TRANSACTIONS = Object.keys(RESPONSE_TAG) as TransactionName[];

describe('protocol JSON messages', () => {
  test('decodeRequest / decodeResponse on random bytes, JSON values and mutated real messages', async () => {
    const real = [
      encodeRequest('Hello', {} as never),
      encodeRequest('Status', { AccountAddress: 'alice@example.com', Catalogs: [] } as never),
      encodeRequest('Download', { AccountAddress: 'alice@example.com', Select: [{ Store: 'Credential', IndexMin: 1 }] } as never),
      encodeRequest('Transact', { AccountAddress: 'alice@example.com', Updates: [{ Store: 'Credential', Envelopes: [[{ dig: 'S512' }, 'AAAA', { PayloadDigest: 'AAAA' }]] }] } as never),
      utf8(JSON.stringify({ DownloadResponse: { Status: 201, Updates: [{ Store: 'Credential', Envelopes: [], Length: 0 }] } })),
      utf8(JSON.stringify({ TransactResponse: { Status: 409, StatusExtended: 2, StatusDescription: 'conflict', Entries: [{ Index: 1 }] } })),
    ];
    await fuzz('protocol: messages', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc.jsonValue({ maxDepth: 4 }).map((v) => utf8(JSON.stringify(v) ?? 'null')),
            fc.tuple(fc.oneof(fc.constantFrom(...TRANSACTIONS, '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'StatusRequest', 'TransactRequest'), fc.string()), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => utf8(`{${JSON.stringify(k)}:${JSON.stringify(v)}}`)),
            fc.tuple(fc.constantFrom(...real), mutationsArb(200)).map(([b, ms]) => mutate(b, ms)),
          ),
          fc.constantFrom(...TRANSACTIONS),
          (bytes, tx) => {
            const req = parses('protocol: messages', () => decodeRequest(bytes));
            if (req) {
              // A decoded request names a transaction the service knows, never an inherited property.
              expect(TRANSACTIONS).toContain(req.transaction);
              expect(Object.getPrototypeOf(req.body)).toBe(Object.prototype);
            }
            parses('protocol: messages', () => decodeResponse(tx, bytes));
          },
        ),
        fcOptions(runs(800)),
      );
    });
  });

  test('authentication headers: parseAuthHeader / checkResponseHeader', async () => {
    const good = formatAuthHeader({ kid: 'MBCD-EFGH', ts: '2026-12-02T10:00:00Z', nonce: new Uint8Array(16).fill(7), mac: new Uint8Array(32).fill(9) });
    await fuzz('protocol: auth headers', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 1500 }), fc.constant(good)), fc.nat(good.length), fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(';', '=', ' ', 'v=1;', 'mac=', 'kid=x; kid=y', '\u0000')), fc.nat(3), (s, at, insert, del) => {
          for (const x of [s, spliceText(good, at, insert, del), spliceText(s, at, insert, del)]) {
            parses('protocol: auth headers', () => parseAuthHeader(x));
            const ok = parses('protocol: auth headers', () => checkResponseHeader(x, new Uint8Array(32)));
            expect(typeof ok).toBe('boolean');
          }
        }),
        fcOptions(runs(500)),
      );
    });
  });

  test('signed objects and profiles: readObject / readProfile / readKeyData on hostile JSON', async () => {
    const account = await makeAccount('fuzz@example.com');
    const profile = account.profile as unknown as [Record<string, unknown>, string, Record<string, unknown>?];
    const profileBytes = utf8(JSON.stringify(profile));
    const payload = JSON.parse(new TextDecoder().decode(fromBase64Url(profile[1]))) as Record<string, Record<string, unknown>>;
    const tag = Object.keys(payload)[0];
    await fuzz('protocol: signed objects', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue({ maxDepth: 4 }),
            fc.tuple(mutationsArb(profileBytes.length)).map(([ms]) => {
              try {
                return JSON.parse(new TextDecoder().decode(mutate(profileBytes, ms))) as unknown;
              } catch {
                return null;
              }
            }),
            // A re-encoded payload with a hostile field: the signature must no longer verify.
            fc.tuple(fc.constantFrom(...Object.keys(payload[tag]), 'RootUdfs', 'AccountAddress'), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => {
              const p = structuredClone(payload);
              p[tag][k] = v;
              return [profile[0], toBase64Url(utf8(JSON.stringify(p))), profile[2]];
            }),
          ),
          (json) => {
            parses('protocol: signed objects', () => readObject(json));
            const p = parses('protocol: signed objects', () => readProfile(json));
            // What verifies is the signed content, unchanged: payload and root keys. (Header fields outside
            // the signature, e.g. `dig`, stay malleable unless a HeaderDigest binds them: DARE 2023 scheme.)
            if (p) {
              expect(p.fields).toEqual(payload[tag]);
              expect(p.udf).toBe(account.udf);
            }
            parses('protocol: signed objects', () => readKeyData(json));
          },
        ),
        fcOptions(runs(300)),
      );
    });
    expect(readProfile(profile).udf).toBe(account.udf);
  });
});

// ---------------------------------------------------------------- imports

const IMPORT_FIXTURES = [
  'chrome.csv', 'firefox.csv', 'safari.csv', 'bitwarden.json', 'bitwarden.csv', '1password.1pux', '1password.csv', 'lastpass.csv',
  'keepassxc.csv', 'keepass.xml', 'protonpass.json', 'protonpass.zip', 'dashlane.csv', 'nordpass.csv', 'dashlane.zip', 'generic-semicolon.csv',
];
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url)));
const FIXTURE_BYTES = new Map(IMPORT_FIXTURES.map((f) => [f, fixture(f)]));
const ZIP_FIXTURES = IMPORT_FIXTURES.filter((f) => f.endsWith('.zip') || f.endsWith('.1pux'));
const TEXT_FIXTURES = IMPORT_FIXTURES.filter((f) => !ZIP_FIXTURES.includes(f));

const SMALL_LIMITS = { maxItems: 2000, maxZipEntries: 200, maxEntryBytes: 4 * 1024 * 1024 };

/** An import outcome is complete and self-consistent: every record whole, counts matching. */
function checkOutcome(o: ImportOutcome): void {
  if (o.kind === 'needs-mapping') {
    expect(Array.isArray(o.headers)).toBe(true);
    expect(o.sample.length).toBeLessThanOrEqual(5);
    return;
  }
  expect(o.kind).toBe('records');
  expect(o.report.counts.imported).toBe(o.records.length);
  for (const r of o.records) {
    for (const k of ['title', 'username', 'password', 'notes', 'totp', 'folder'] as const) expect(typeof r[k]).toBe('string');
    expect(Array.isArray(r.urls) && r.urls.every((u) => typeof u === 'string')).toBe(true);
  }
}

/** Plans against a few existing entries: every record is accounted for exactly once; edits are built. */
function checkPlan(records: readonly ImportRecord[], policy: 'skip' | 'replace' | 'keep-both'): void {
  const existing = records.slice(0, 3).map((r, i) => ({ id: `e${i}`, urls: r.urls, username: r.username, title: r.title }));
  const plan = planImport(records, existing, policy);
  expect(plan.adds.length + plan.updates.length + plan.skipped.length).toBe(records.length);
  const edits = editsForPlan(plan, (id) => (id.startsWith('e') ? { Service: 'x.example', Username: 'u', Password: 'p' } : undefined));
  expect(edits.length).toBe(plan.adds.length + plan.updates.length);
}

function importCase(name: string, bytes: Uint8Array, options: ImportOptions = {}): void {
  const o = parses(name, () => importFile({ bytes }, { parseXml: xmldomParseXml, limits: SMALL_LIMITS, ...options }));
  if (!o) return;
  checkOutcome(o);
  if (o.kind === 'records') checkPlan(o.records, (['skip', 'replace', 'keep-both'] as const)[o.records.length % 3]);
}

describe('imports', () => {
  test('random bytes, with and without a forced format', async () => {
    await fuzz('import: random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), fc.option(fc.constantFrom(...FORMAT_IDS)), (b, format) => {
          importCase('import: random bytes', b, format ? { format } : {});
        }),
        fcOptions(runs(400)),
      );
    });
  });

  test('byte-mutated real exports of every format, detected and forced', async () => {
    await fuzz('import: mutated exports', () => {
      fc.assert(
        fc.property(fc.constantFrom(...IMPORT_FIXTURES), fc.option(fc.constantFrom(...FORMAT_IDS), { freq: 3 }), fc.array(mutationArb(20_000), { minLength: 1, maxLength: 3 }), (file, format, ms) => {
          const bytes = FIXTURE_BYTES.get(file)!;
          importCase('import: mutated exports', mutate(bytes, ms.map((m) => ({ ...m, at: m.at % Math.max(1, bytes.length) }))), format ? { format } : {});
        }),
        fcOptions(runs(500)),
      );
    });
  });

  test('structure-aware text mutations of CSV, JSON and XML exports', async () => {
    const texts = TEXT_FIXTURES.map((f) => [f, new TextDecoder().decode(FIXTURE_BYTES.get(f)!)] as const);
    await fuzz('import: text mutations', () => {
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.array(fc.tuple(fc.nat(50_000), textNoise, fc.nat(3)), { minLength: 1, maxLength: 4 }), fc.boolean(), ([, text], edits, repeatRow) => {
          let t = text;
          for (const [at, insert, del] of edits) t = spliceText(t, at % (t.length + 1), insert, del);
          if (repeatRow) {
            const lines = t.split('\n');
            t = [...lines, ...lines.slice(1, 3).flatMap((l) => Array<string>(20).fill(l))].join('\n');
          }
          importCase('import: text mutations', utf8(t));
        }),
        fcOptions(runs(400)),
      );
    });
  });

  test('zip exports: the inner file mutated and re-zipped, extra and hostile entries', async () => {
    const zips = ZIP_FIXTURES.map((f) => [f, unzipSync(FIXTURE_BYTES.get(f)!)] as const);
    await fuzz('import: zip contents', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...zips),
          fc.array(fc.tuple(fc.nat(50_000), textNoise, fc.nat(3)), { maxLength: 4 }),
          fc.array(fc.tuple(fc.constantFrom('../evil.txt', '/abs.csv', 'export.data', 'data.json', 'credentials.csv', 'a/b/export.data', 'x'.repeat(300)), fc.uint8Array({ maxLength: 64 })), { maxLength: 3 }),
          ([, entries], edits, extra) => {
            const files: Record<string, Uint8Array> = {};
            for (const [name, data] of Object.entries(entries)) {
              let d: Uint8Array = data;
              if (/\.(data|json|csv)$/.test(name) && edits.length) {
                let t = new TextDecoder().decode(d);
                for (const [at, insert, del] of edits) t = spliceText(t, at % (t.length + 1), insert, del);
                d = utf8(t);
              }
              files[name] = new Uint8Array(d);
            }
            for (const [name, data] of extra) files[name] = new Uint8Array(data);
            importCase('import: zip contents', zipSync(files, { level: 0 }));
          },
        ),
        fcOptions(runs(200)),
      );
    });
  });

  test('column mappings: random mappings on random CSV tables', async () => {
    await fuzz('import: csv mappings', () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 12 }),
          fc.dictionary(fc.constantFrom('title', 'url', 'username', 'password', 'notes', 'totp', 'folder'), fc.integer({ min: -2, max: 8 })),
          (rows, mapping) => {
            const csv = rows.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\n');
            importCase('import: csv mappings', utf8(csv), { mapping: mapping as never });
            importCase('import: csv mappings', utf8(csv), { format: 'csv' });
          },
        ),
        fcOptions(runs(300)),
      );
    });
  });
});

// ---------------------------------------------------------------- plan application (background)

describe('import plan application', () => {
  test('import-batch from fuzzed exports is all-or-nothing: every record lands, or none', async () => {
    const { makeBackground, CHEAP_KDF } = await import('../unit/background/helpers.ts');
    const { call } = await makeBackground();
    await call('setup', { passphrase: 'fuzz plan application', kdf: CHEAP_KDF });
    for (let i = 0; i < 3; i++) await call('credential-save', { input: { title: `Existing ${i}`, url: `https://s${i}.example.com/`, username: `user${i}@example.com`, password: `pw-${i}`, notes: '' } });
    const total = async () => (await call('search', { query: '', limit: 5000 })).total;
    await fuzz('import: plan application', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...IMPORT_FIXTURES), fc.array(mutationArb(20_000), { maxLength: 2 }), fc.constantFrom('skip', 'replace', 'keep-both'), async (file, ms, policy) => {
          const bytes = FIXTURE_BYTES.get(file)!;
          const outcome = parses('import: plan application', () => importFile({ bytes: mutate(bytes, ms.map((m) => ({ ...m, at: m.at % bytes.length }))) }, { parseXml: xmldomParseXml, limits: SMALL_LIMITS }));
          if (!outcome || outcome.kind !== 'records') return;
          const existing = await call('import-existing', {});
          const plan = planImport(outcome.records, existing, policy as 'skip');
          const before = await total();
          const { toCredentialInput } = await import('../../src/import/catalog.ts');
          const r = await parsesAsync('import: plan application', () =>
            call('import-batch', { adds: plan.adds.map(toCredentialInput), updates: plan.updates.map((u) => ({ id: u.id, input: toCredentialInput(u.record) })) }).catch((e: Error & { code?: string }) => {
              throw new MeshError('malformed', e.message);
            }),
          );
          const after = await total();
          if (r) {
            expect(r.added).toBe(plan.adds.length);
            expect(after).toBe(before + plan.adds.length);
          } else expect(after).toBe(before);
        }),
        fcOptions(runs(25, 400)),
      );
    });
  });
});
