import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MeshError } from '../../src/mesh/errors.ts';
import { fromUtf8, toBase64Url, utf8 } from '../../src/mesh/bytes.ts';
import {
  createEnvelope, openEnvelope, decodeEnvelope, encodeEnvelopeJson, encodeEnvelopeJsonb, decryptionKey, signer, keysByKid,
  generatePrivate, publicFromPrivate, sign2024, manifest2024, sha512, verifyEnvelopeSignatures, signerFor, recipientKey, decryptionKeyFor,
  verificationKey, type Curve, type DareEnvelope,
} from '../../src/mesh/dare/index.ts';
import { combinePrivate, combinePublic, generateKeyPair, keyId, privateKey, publicKeyOf } from '../../src/mesh/keys.ts';

function keyPair(crv: Curve, kid: string) {
  const priv = generatePrivate(crv);
  return { crv, kid, priv, public: publicFromPrivate(crv, priv) };
}

const alice = keyPair('X448', 'alice-x448');
const bob = keyPair('X25519', 'bob-x25519');
const carol = keyPair('Ed25519', 'carol-ed25519');
const signerEd448 = keyPair('Ed448', 'sig-ed448');
const signerEd25519 = keyPair('Ed25519', 'sig-ed25519');
const lookup = keysByKid([signerEd448, signerEd25519]);
const payload = utf8('{"CatalogedCredential":{"Service":"example.com","Username":"alice","Password":"pw"}}');

async function expectMeshError(p: Promise<unknown>, code?: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    if (code) expect((e as MeshError).code).toBe(code);
    return;
  }
  throw new Error('expected a MeshError');
}

describe('envelopes', () => {
  test('plaintext with annotations and content metadata, JSON and JSON-B', async () => {
    const env = await createEnvelope(payload, { annotations: [utf8('a'), utf8('b')], contentMeta: { cty: 'application/json' } });
    for (const bytes of [encodeEnvelopeJson(env), encodeEnvelopeJson(env, true), encodeEnvelopeJsonb(env)]) {
      const opened = await openEnvelope(decodeEnvelope(bytes));
      expect(opened.payload).toEqual(payload);
      expect(opened.annotations.map(fromUtf8)).toEqual(['a', 'b']);
      expect(opened.contentMeta).toEqual({ cty: 'application/json' });
      expect(opened.encrypted).toBe(false);
    }
  });

  test('encrypted to several recipients on different curves; each opens it', async () => {
    const env = await createEnvelope(payload, { recipients: [alice, bob, carol], annotations: [utf8('secret note')] });
    expect(env.header.recipients).toHaveLength(3);
    expect(env.header.recipients![0].epk!.PublicKeyECDH!.crv).toBe('X448');
    expect(new TextDecoder('latin1').decode(env.body)).not.toContain('alice');
    for (const k of [alice, bob, carol]) {
      const opened = await openEnvelope(decodeEnvelope(encodeEnvelopeJson(env)), { keys: [decryptionKey(k.crv, k.priv, k.kid)] });
      expect(opened.payload).toEqual(payload);
      expect(fromUtf8(opened.annotations[0])).toBe('secret note');
    }
  });

  test('recipient kid from another fingerprint form still opens (tries every recipient)', async () => {
    const env = await createEnvelope(payload, { recipients: [alice] });
    const opened = await openEnvelope(env, { keys: [decryptionKey('X448', alice.priv, 'some-other-kid')] });
    expect(opened.payload).toEqual(payload);
  });

  test('wrong key, no key', async () => {
    const env = await createEnvelope(payload, { recipients: [alice] });
    const eve = keyPair('X448', 'alice-x448');
    await expectMeshError(openEnvelope(env, { keys: [decryptionKey('X448', eve.priv, eve.kid)] }), 'decrypt');
    await expectMeshError(openEnvelope(env), 'decrypt');
  });

  test('signed (Ed448 and Ed25519), signed and encrypted with witness', async () => {
    const signers = [signer('Ed448', signerEd448.priv, signerEd448.kid), signer('Ed25519', signerEd25519.priv, signerEd25519.kid)];
    const env = await createEnvelope(payload, { signers, recipients: [alice] });
    expect(env.trailer!.signatures!.every((s) => s.alg === 'S512' && typeof s.witness === 'string')).toBe(true);
    const opened = await openEnvelope(decodeEnvelope(encodeEnvelopeJsonb(env)), { keys: [decryptionKey('X448', alice.priv)], verifyKeys: lookup, requireSignature: true });
    expect(opened.signatures.map((s) => s.valid)).toEqual([true, true]);
    expect(opened.payload).toEqual(payload);
  });

  test('keys-module keys: 56-octet Mesh Ed448 secrets sign, kids are fingerprints, combined X448 keys decrypt', async () => {
    const sigKey = privateKey('Ed448', generatePrivate('Ed448').subarray(0, 56));
    const s = signerFor(sigKey, true);
    expect(s.kid).toBe(keyId('Ed448', publicKeyOf(sigKey)));
    const a = generateKeyPair('X448').privateKey;
    const b = generateKeyPair('X448').privateKey;
    const combined = combinePrivate(a, b);
    const to = recipientKey('X448', combinePublic('X448', publicKeyOf(a), publicKeyOf(b)));
    const env = await createEnvelope(payload, { recipients: [to], signers: [s] });
    const opened = await openEnvelope(env, { keys: [decryptionKeyFor(combined)], verifyKeys: keysByKid([verificationKey('Ed448', publicKeyOf(sigKey))]), requireSignature: true });
    expect(opened.payload).toEqual(payload);
    expect(env.trailer!.signatures![0].SignatureKey).toBeDefined();
  });

  test('an unknown signer is reported unchecked; requireSignature refuses it', async () => {
    const env = await createEnvelope(payload, { signers: [signer('Ed448', signerEd448.priv, 'stranger')] });
    expect(verifyEnvelopeSignatures(env, lookup)).toEqual([{ kid: 'stranger', alg: 'S512' }]);
    await expectMeshError(openEnvelope(env, { verifyKeys: lookup, requireSignature: true }), 'signature');
  });

  test('SignatureKey is carried and trusted only on request', async () => {
    const env = await createEnvelope(payload, { signers: [signer('Ed448', signerEd448.priv, 'self', signerEd448.public)] });
    expect(env.trailer!.signatures![0].SignatureKey).toEqual({ PublicKeyECDH: { crv: 'Ed448', Public: toBase64Url(signerEd448.public) } });
    await expectMeshError(openEnvelope(env, { requireSignature: true }), 'signature');
    expect((await openEnvelope(env, { trustEmbeddedKeys: true, requireSignature: true })).signatures[0].valid).toBe(true);
  });

  test('dare-18 form (alg ED448, manifest) verifies by dispatch on alg', async () => {
    const env = await createEnvelope(payload, { digest: true });
    const m = manifest2024('S512', sha512(env.body));
    env.trailer!.signatures = [{ alg: 'ED448', kid: signerEd448.kid, signature: toBase64Url(sign2024('Ed448', signerEd448.priv, m)) }];
    expect((await openEnvelope(env, { verifyKeys: lookup, requireSignature: true })).signatures[0].valid).toBe(true);
    env.trailer!.signatures[0].alg = 'S512';
    await expectMeshError(openEnvelope(env, { verifyKeys: lookup }), 'signature');
    env.trailer!.signatures[0].alg = 'RS256';
    await expectMeshError(openEnvelope(env, { verifyKeys: lookup }), 'unsupported');
  });

  test('tampered body, digest, signature, witness, header', async () => {
    const make = () => createEnvelope(payload, { signers: [signer('Ed448', signerEd448.priv, signerEd448.kid)], recipients: [alice], bindHeader: true, contentMeta: { UniqueId: 'x' } });
    const opts = { keys: [decryptionKey('X448', alice.priv)], verifyKeys: lookup, requireSignature: true };
    const e1 = await make();
    e1.body[0] ^= 1;
    await expectMeshError(openEnvelope(e1, opts), 'integrity');
    const e2 = await make();
    e2.trailer!.signatures![0].witness = toBase64Url(new Uint8Array(32));
    await expectMeshError(openEnvelope(e2, opts), 'integrity');
    const e3 = await make();
    e3.header.ContentMetaData = toBase64Url(utf8('{"UniqueId":"y"}'));
    await expectMeshError(openEnvelope(e3, opts), 'integrity');
  });

  test('decoder rejects malformed shapes with MeshError', async () => {
    const bad = ['', '[]', '[{}]', '{"DareEnvelope":1}', '[{},"!!"]', '[{"Salt":1},""]', '[{"unknown":1},""]', '[{},"",[]]', '[{"recipients":{}},""]', '[{"SequenceInfo":{"Index":-1}},""]'];
    for (const s of bad) await expectMeshError(Promise.resolve().then(() => decodeEnvelope(utf8(s))));
    await expectMeshError(Promise.resolve().then(() => decodeEnvelope(new Uint8Array(10), 5)), 'oversized');
  });
});

describe('envelope properties', () => {
  const opts = { keys: [decryptionKey('X448', alice.priv)], verifyKeys: lookup, requireSignature: true };
  let signedEncrypted: Uint8Array[] | undefined;
  const samples = async () => {
    if (!signedEncrypted) {
      const s = [signer('Ed448', signerEd448.priv, signerEd448.kid)];
      const a = await createEnvelope(payload, { signers: s, recipients: [alice], bindHeader: true, contentMeta: { UniqueId: 'u', Event: 'New' }, annotations: [utf8('n')] });
      const b = await createEnvelope(payload, { signers: s, bindHeader: true, contentMeta: { UniqueId: 'u' } });
      const c = await createEnvelope(payload, { recipients: [alice], bindHeader: true, contentMeta: { UniqueId: 'u' } });
      signedEncrypted = [encodeEnvelopeJson(a), encodeEnvelopeJsonb(a), encodeEnvelopeJson(b), encodeEnvelopeJsonb(c)];
    }
    return signedEncrypted;
  };

  test('any single flipped bit in an encrypted or signed envelope is detected', async () => {
    const list = await samples();
    await fc.assert(
      fc.asyncProperty(fc.nat(list.length - 1), fc.nat(), fc.nat(7), async (which, pos, bit) => {
        const bytes = list[which].slice();
        bytes[pos % bytes.length] ^= 1 << bit;
        let env: DareEnvelope;
        try {
          env = decodeEnvelope(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
          return;
        }
        const signed = which < 3;
        await expectMeshError(openEnvelope(env, { ...opts, requireSignature: signed }).then((o) => {
          // Opening without error is acceptable only if nothing observable changed, which cannot be for a flipped bit.
          throw new Error(`undetected flip at ${pos % bytes.length} bit ${bit}: ${fromUtf8(o.payload).slice(0, 20)}`);
        }));
      }),
      { numRuns: 200 },
    );
  });

  test('arbitrary, truncated and spliced input: only MeshError', async () => {
    const list = await samples();
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.nat(list.length - 1), fc.nat()).map(([w, n]) => list[w].subarray(0, n % list[w].length)),
      fc.tuple(fc.nat(list.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([w, n, junk]) => {
        const b = list[w].slice();
        b.set(junk.subarray(0, Math.max(0, b.length - (n % b.length))), n % b.length);
        return b;
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        try {
          await openEnvelope(decodeEnvelope(bytes), opts);
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
