// What a client authenticates with (protocol.md §4.2): a credential envelope and the private
// authentication key able to agree with the service's ServiceAuthentication key.
import { utf8, toBase64Url } from '../bytes.ts';
import { x448AgreeRaw } from './x448.ts';
import { keyFingerprint } from './fingerprints.ts';
import type { EnvelopeJson } from './messages.ts';

export interface ClientCredential {
  /** The credential envelope (ProfileDevice, ConnectionService or ProfileUser, by phase). */
  envelope: EnvelopeJson;
  /** Fingerprint of the client authentication public key (udf.md §6, 2023 profile). */
  kid: string;
  /** X448 agreement of the private authentication key with `servicePublic` (57 or 56 octets). */
  agree(servicePublic: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * A credential over a raw 56-octet X448 scalar used as given (combined keys are unclamped;
 * pass an already clamped scalar for ordinary keys). `authPublic` is its 57-octet Mesh form.
 */
export function scalarCredential(envelope: EnvelopeJson, authPublic: Uint8Array, scalar: Uint8Array): ClientCredential {
  return { envelope, kid: keyFingerprint('X448', authPublic), agree: (pub) => x448AgreeRaw(scalar, pub) };
}

/** RFC 7748 clamping of a raw X448 private key (for ordinary, non-combined keys). */
export function clampX448(raw: Uint8Array): Uint8Array {
  const s = raw.slice(0, 56);
  s[0] &= 252;
  s[55] |= 128;
  return s;
}

/** The `X-MMM-Credential` header value. */
export const credentialHeader = (c: ClientCredential): string => toBase64Url(utf8(JSON.stringify(c.envelope)));
