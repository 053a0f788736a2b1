// Checkers for the Mesh-object entries of vectors/mesh.json: profile UDFs, the 2024 profile
// signature, the PIN functions and MakeID (engineer F2).
import { expect } from 'vitest';
import type { VectorCheck } from './types.ts';
import { fromBase64Url, toBase64Url, toHex } from '../../src/mesh/bytes.ts';
import { profileUdf, profileUdfBytes } from '../../src/mesh/protocol/fingerprints.ts';
import { manifest2024, verifySignature } from '../../src/mesh/dare/signature.ts';
import { keyUdfBytes } from '../../src/mesh/keys.ts';
import { makeId, pinId, pinWitness, saltPin, ENVELOPE_ID_TYPE, RESPONSE_ID_TYPE } from '../../src/mesh/connect.ts';
import { base32Decode } from '../../src/mesh/base32.ts';

const hex = (b: Uint8Array) => toHex(b).toUpperCase();

export const checks: Record<string, VectorCheck> = {
  'mesh-profile-udf': (entry) => {
    for (const c of entry.cases) {
      const roots = c.RootUdfs.map((r: string) => fromBase64Url(r));
      expect(hex(profileUdfBytes(roots))).toBe(c.UdfBytes_hex);
      expect(profileUdf(roots)).toBe(c.profile_udf);
    }
  },
  'mesh-profile-device-signature-2024-ed448': (entry) => {
    const key = fromBase64Url(entry.input.SignatureKey_ed448_b64url);
    const pd = fromBase64Url(entry.input.PayloadDigest_b64url);
    expect(hex(manifest2024('S512', pd))).toBe(entry.expected.manifest_hex);
    const sig = { alg: entry.input.alg, signature: entry.expected.signature_b64url };
    expect(verifySignature(sig, pd, { crv: 'Ed448', public: key })).toBe(true);
    expect(toBase64Url(keyUdfBytes('Ed448', key, 2024))).toBe(entry.expected.root_udf_b64url_2024);
    expect(toBase64Url(keyUdfBytes('Ed448', key, 2023))).toBe(entry.expected.root_udf_b64url_2023_profile);
  },
  'mesh-pin': (entry) => {
    const { pin, action, account } = entry.input;
    expect(hex(base32Decode(pin).subarray(1, 16))).toBe(entry.expected.pin_key_hex);
    const salted = saltPin(pin, action);
    expect(salted).toBe(entry.expected.salted_pin);
    expect(hex(base32Decode(salted).subarray(1, 17))).toBe(entry.expected.salt_key_hex);
    expect(pinId(salted, account)).toBe(entry.expected.pin_id);
    const w = pinWitness(salted, account, fromBase64Url(entry.input.ClientNonce_b64url), fromBase64Url(entry.input.AuthenticatedData_PayloadDigest_b64url));
    expect(toBase64Url(w)).toBe(entry.expected.pin_witness_b64url);
  },
  'mesh-makeid': (entry) => {
    for (const c of entry.cases) {
      expect(hex(base32Decode(c.id).subarray(1, 17))).toBe(c.id_octets_hex);
      if (c.envelopeid) expect(makeId(c.id, ENVELOPE_ID_TYPE)).toBe(c.envelopeid);
      expect(makeId(c.id, RESPONSE_ID_TYPE)).toBe(c.responseid);
      if (c.envelopeid_of_responseid) expect(makeId(c.responseid, ENVELOPE_ID_TYPE)).toBe(c.envelopeid_of_responseid);
    }
  },
};
