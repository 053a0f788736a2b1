// The curve operations DARE needs, dispatched on the key's `crv` (decision 3), delegated to the
// keys module (src/mesh/keys.ts): key agreement for recipient blocks (Edwards keys do ECDH on the
// Edwards curve, as the dare-17 vectors; Montgomery keys RFC 7748) and EdDSA for signatures.
import { MeshError } from '../errors.ts';
import { agree as keysAgree, generateKeyPair, privateKey, publicKeyOf, sign, verify, type Curve, type PrivateKey } from '../keys.ts';

export { isCurve, CURVES, PUBLIC_KEY_LENGTH, type Curve, type PrivateKey } from '../keys.ts';

/** A PrivateKey from its JSON `Private` form (MeshError if the length is wrong). */
export const privateKeyOf = (crv: Curve, priv: Uint8Array | PrivateKey): PrivateKey => (priv instanceof Uint8Array ? privateKey(crv, priv) : priv);

/** Public key (Mesh JSON form: Montgomery keys carry the flag octet) of a private key. */
export const publicFromPrivate = (crv: Curve, priv: Uint8Array | PrivateKey): Uint8Array => publicKeyOf(privateKeyOf(crv, priv));

/** A fresh private key in its JSON `Private` form (RFC sizes). */
export const generatePrivate = (crv: Curve): Uint8Array => generateKeyPair(crv).privateKey.secret;

/** Key agreement value (IKM) between a private key and a peer public key of the same curve. */
export function agree(crv: Curve, priv: Uint8Array | PrivateKey, peerPublic: Uint8Array): Uint8Array {
  const out = keysAgree(privateKeyOf(crv, priv), peerPublic);
  let acc = 0;
  for (const x of out) acc |= x;
  if (acc === 0) throw new MeshError('decrypt', 'key agreement gave the all-zero value');
  return out;
}

function requireEdwards(crv: Curve): void {
  if (crv !== 'Ed25519' && crv !== 'Ed448') throw new MeshError('unsupported', `${crv} keys cannot sign`);
}

/** 2023 scheme: Ed25519ctx with an empty context / plain Ed448, over the 64-octet payload digest. */
export function sign2023(crv: Curve, priv: Uint8Array | PrivateKey, digest: Uint8Array): Uint8Array {
  requireEdwards(crv);
  return sign(privateKeyOf(crv, priv), digest, 'ctx');
}

/** 2024 scheme: pure EdDSA over the manifest. */
export function sign2024(crv: Curve, priv: Uint8Array | PrivateKey, manifest: Uint8Array): Uint8Array {
  requireEdwards(crv);
  return sign(privateKeyOf(crv, priv), manifest, 'pure');
}

/** Verifies a 2023 (ctx over the digest) or 2024 (pure over the manifest) signature; false if bad. */
export function verifyEdDSA(crv: Curve, pub: Uint8Array, message: Uint8Array, sig: Uint8Array, scheme: 2023 | 2024): boolean {
  return verify(crv, pub, message, sig, scheme === 2023 ? 'ctx' : 'pure');
}
