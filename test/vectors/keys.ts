// Checkers for the key entries of vectors/mesh.json (engineer A).
import { expect } from 'vitest';
import { x448, ed448 } from '@noble/curves/ed448.js';
import { shake256 } from '@noble/hashes/sha3.js';
import type { VectorCheck } from './types.ts';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../src/mesh/bytes.ts';
import { agree, combinePrivate, combinePublic, keyId, keyUdfBytes, privateKey, publicKeyOf, scalarOf, sign, verify } from '../../src/mesh/keys.ts';
import { ed448ScalarOctets } from '../../src/mesh/keys-edwards.ts';
import { bigToLe } from '../../src/mesh/keys-montgomery.ts';
import { deriveKeyPair, deriveOkm, derivationInputs, parseKeySeed, presentKeySeed } from '../../src/mesh/keyderive.ts';

const hex = (b: Uint8Array) => toHex(b).toUpperCase();

const x448KeyEncoding: VectorCheck = (v) => {
  const e = v.expected;
  const raw = fromBase64Url(v.input.private_b64url);
  expect(raw.length).toBe(56);
  const key = privateKey('X448', raw);
  expect(hex(bigToLe(scalarOf(key), 56))).toBe(e.clamped_scalar_le_hex);
  const pub = publicKeyOf(key);
  expect(toBase64Url(pub)).toBe(e.public_b64url);
  expect(hex(pub.subarray(0, 56))).toBe(e.u_le_hex);
  expect(hex(pub.subarray(56))).toBe(e.flag_octet_hex);
  expect(pub[56] === 0x80).toBe(e.v_is_odd);
  // The u-coordinate agrees with a standard X448 implementation of the raw private.
  expect(hex(x448.getPublicKey(raw))).toBe(e.u_le_hex);
  expect(keyId('X448', pub, 2024)).toBe(e.kid_published_2024);
  expect(keyId('X448', pub)).toBe(e.kid_2023_profile);
  expect(hex(keyUdfBytes('X448', pub))).toBe(e.udf_full_2023_hex);
};

const ed448FiftySix: VectorCheck = (v) => {
  const e = v.expected;
  const secret = fromBase64Url(v.input.private_b64url);
  expect(secret.length).toBe(v.input.private_length);
  expect(hex(shake256(secret, { dkLen: 114 }))).toBe(e.shake256_114_hex);
  expect(hex(ed448ScalarOctets(secret))).toBe(e.scalar_le_hex);
  const key = privateKey('Ed448', secret);
  const pub = publicKeyOf(key);
  expect(toBase64Url(pub)).toBe(e.public_b64url);
  expect(keyId('Ed448', pub, 2024)).toBe(e.kid_published_2024);
  expect(keyId('Ed448', pub)).toBe(e.kid_2023_profile);
  // A signature made with the 56-octet secret verifies with a standard Ed448 verifier.
  const msg = utf8('mesh-ed448-key-56-octet-secret');
  const sig = sign(key, msg);
  expect(ed448.verify(sig, msg, pub)).toBe(true);
  expect(verify('Ed448', pub, msg, sig)).toBe(true);
};

type Op = 'Encrypt' | 'Authenticate' | 'Sign';
const OPS: Op[] = ['Encrypt', 'Authenticate', 'Sign'];
const curveOf = (op: Op) => (op === 'Sign' ? 'Ed448' : 'X448');

const activationCombined: VectorCheck = Object.assign(
  ((v) => {
    const seed = parseKeySeed(v.input.activation_seed_udf);
    expect(hex(seed.bds)).toBe(v.input.seed_bds_hex);
    expect(seed.keySpecifier).toBe(parseInt(v.input.key_specifier_hex, 16));
    expect(presentKeySeed(seed)).toBe(v.input.activation_seed_udf);
    for (const op of OPS) {
      const e = v.expected[op];
      const crv = curveOf(op);
      const name = `ActivationDevice${op}`;
      const alg = crv === 'X448' ? 2 : 4;
      // 2024 form (c): reproduces the published keys.
      const inputs = derivationInputs(seed, name, { form: 2024, algorithm: alg });
      expect(hex(inputs.ikm)).toBe(e.ikm_hex);
      expect(hex(inputs.info)).toBe(e.info_hex);
      expect(hex(deriveOkm(seed, name, 56, { form: 2024, algorithm: alg }))).toBe(e.okm_hex);
      const activation = deriveKeyPair(seed, name, crv, { form: 2024 });
      expect(toBase64Url(activation.publicKey)).toBe(e.activation_public_b64url);
      const base = fromBase64Url(v.input.device_base_public_b64url[op]);
      const combined = combinePublic(crv, base, activation.publicKey);
      expect(toBase64Url(combined)).toBe(e.combined_public_b64url);
      expect(keyId(crv, combined)).toBe(e.combined_kid_2023_profile);
      // 2023 form (b): what MeshPass derives.
      expect(hex(deriveOkm(seed, name, 56))).toBe(e.okm_hex_2023_derivation);
      expect(toBase64Url(deriveKeyPair(seed, name, crv).publicKey)).toBe(e.activation_public_b64url_2023_derivation);
    }
  }) as VectorCheck,
  { title: 'published combined keys via the 2024 derivation form; MeshPass 2023-form values checked too' },
);

const combinedAgreement: VectorCheck = (v) => {
  const e = v.expected;
  const base = privateKey('X448', fromHex(v.input.base_private_raw_hex));
  const activation = privateKey('X448', fromHex(v.input.activation_private_raw_hex));
  const ephemeral = privateKey('X448', fromHex(v.input.ephemeral_private_raw_hex));
  expect(toBase64Url(publicKeyOf(base))).toBe(e.base_public_b64url);
  expect(toBase64Url(publicKeyOf(activation))).toBe(e.activation_public_b64url);
  const combined = combinePrivate(base, activation);
  expect(combined.combined).toBe(true);
  expect(hex(combined.secret)).toBe(e.combined_scalar_le_hex);
  expect(toBase64Url(publicKeyOf(combined))).toBe(e.combined_public_b64url);
  expect(toBase64Url(combinePublic('X448', publicKeyOf(base), publicKeyOf(activation)))).toBe(e.combined_public_b64url);
  const ephPub = publicKeyOf(ephemeral);
  expect(toBase64Url(ephPub.subarray(0, 56))).toBe(e.ephemeral_public_u_b64url);
  expect(hex(agree(combined, ephPub))).toBe(e.shared_secret_hex);
  expect(hex(agree(ephemeral, publicKeyOf(combined)))).toBe(e.shared_secret_hex);
  // What a clamping X448 call would give instead.
  expect(hex(x448.getSharedSecret(combined.secret, ephPub.subarray(0, 56)))).toBe(e.WRONG_if_combined_scalar_is_clamped_hex);
};

export const checks: Record<string, VectorCheck> = {
  'mesh-x448-key-credential-store': x448KeyEncoding,
  'mesh-x448-key-common-encryption': x448KeyEncoding,
  'mesh-ed448-key-56-octet-secret': ed448FiftySix,
  'mesh-activation-combined-keys': activationCombined,
  'project-x448-combined-agreement': combinedAgreement,
};
