// The SubjectPublicKeyInfo the reference hashes for key fingerprints (udf.md §6). Not standard SPKI:
// the key sits in an OCTET STRING inside the BIT STRING. Profile 2023 (MeshPass, decision 1): the
// curve's OID with NULL parameters. Profile 2024: no NULL, and every curve tagged with the Ed25519 OID.
import { MeshError } from './errors.ts';

export type Curve = 'Ed25519' | 'Ed448' | 'X25519' | 'X448';
export type SpkiProfile = 2023 | 2024;

export const CURVES: readonly Curve[] = ['Ed25519', 'Ed448', 'X25519', 'X448'];
export const isCurve = (c: unknown): c is Curve => typeof c === 'string' && (CURVES as readonly string[]).includes(c);

/** Mesh public key lengths: Edwards point encodings; Montgomery u plus a flag octet. */
export const PUBLIC_KEY_LENGTH: Readonly<Record<Curve, number>> = { Ed25519: 32, Ed448: 57, X25519: 33, X448: 57 };

/** Last OID arc (1.3.101.x) per curve. */
const OID_ARC: Readonly<Record<Curve, number>> = { X25519: 110, X448: 111, Ed25519: 112, Ed448: 113 };

// Prefix (everything before the key) per profile and curve, built once.
const prefixes: Record<SpkiProfile, Partial<Record<Curve, Uint8Array>>> = { 2023: {}, 2024: {} };

function buildPrefix(crv: Curve, keyLength: number, profile: SpkiProfile): Uint8Array {
  const arc = profile === 2024 ? OID_ARC.Ed25519 : OID_ARC[crv];
  const alg = profile === 2024 ? [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, arc] : [0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, arc, 0x05, 0x00];
  const bitString = [0x03, keyLength + 3, 0x00, 0x04, keyLength];
  return Uint8Array.from([0x30, alg.length + bitString.length + keyLength, ...alg, ...bitString]);
}

/** The DER octets that precede the public key in the fingerprinted SPKI. */
export function spkiPrefix(crv: Curve, profile: SpkiProfile): Uint8Array {
  const table = prefixes[profile];
  if (!table) throw new MeshError('unsupported', `unknown SPKI profile ${String(profile)}`);
  return (table[crv] ??= buildPrefix(crv, PUBLIC_KEY_LENGTH[crv], profile));
}

export function checkPublicKeyLength(crv: Curve, pub: Uint8Array): void {
  if (!(pub instanceof Uint8Array) || pub.length !== PUBLIC_KEY_LENGTH[crv]) {
    throw new MeshError('malformed', `${crv} public key must have ${PUBLIC_KEY_LENGTH[crv]} octets`);
  }
}

/** The DER bytes hashed for a key fingerprint. */
export function spkiOf(crv: Curve, pub: Uint8Array, profile: SpkiProfile = 2023): Uint8Array {
  checkPublicKeyLength(crv, pub);
  const prefix = spkiPrefix(crv, profile);
  const out = new Uint8Array(prefix.length + pub.length);
  out.set(prefix);
  out.set(pub, prefix.length);
  return out;
}
