// The UDF computations the protocol layer needs (udf.md §2, §3, §6; connect.md §2.2, §5.3-5.4):
// profile UDFs, MakeID and the connection witness, on top of A's UDF and keys modules.
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, utf8 } from '../bytes.ts';
import { MeshError } from '../errors.ts';
import { base32Decode as decode, base32Present } from '../base32.ts';
import { compressionLevel, udfDigestBytes, udfNonce } from '../udf.ts';
import { isCurve, keyId, keyUdfBytes } from '../keys.ts';

/** Base32 of `bytes`, cut to `bits` bits, dashes every 4 characters. */
export const base32Udf = (bytes: Uint8Array, bits: number): string => base32Present(bytes, bits);

/** Decodes a Base32 UDF string (dashes and case ignored) to whole octets. */
export const base32Decode = (s: string): Uint8Array => decode(s);

const compression = compressionLevel;

/** 65-octet binary SHA-2-512 content digest UDF: type (96 + compression) || TCDV. */
export const contentDigestBytes = (data: Uint8Array, contentType: string): Uint8Array => udfDigestBytes(data, contentType, 'sha2');

function curve(crv: string): Parameters<typeof keyId>[0] {
  if (!isCurve(crv)) throw new MeshError('unsupported', `no fingerprint profile for ${crv}`);
  return crv;
}

/** Full 65-octet key fingerprint (2023 SPKI profile, udf.md §6): what RootUdfs lists. */
export const keyFingerprintBytes = (crv: string, pub: Uint8Array): Uint8Array => keyUdfBytes(curve(crv), pub);

/** The 140-bit key fingerprint (`kid`, `AccessCapability.Id`). */
export const keyFingerprint = (crv: string, pub: Uint8Array): string => keyId(curve(crv), pub);

/** The 64-octet `UdfBytes` of a profile from its RootUdfs (connect.md §2.2). */
export function profileUdfBytes(rootUdfs: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const r of rootUdfs) {
    if (r.length > 255) throw new MeshError('malformed', 'RootUdfs entry too long');
    parts.push(Uint8Array.of(r.length), r);
  }
  const h = sha512(concat(...parts));
  const d = sha512(concat(utf8('UdfList'), utf8(':'), h));
  return concat(Uint8Array.of(0x60 + compression(d)), d.subarray(0, 63));
}

/** The printed profile UDF (type octet repeated, connect.md §2.2 quirk). */
export const profileUdf = (rootUdfs: Uint8Array[]): string => base32Udf(concat(Uint8Array.of(0x60), profileUdfBytes(rootUdfs)), 140);

/** MakeID (connect.md §5.4): content digest of the id's octets minus the first, under `contentType`. */
export function makeId(id: string, contentType: string): string {
  const raw = base32Decode(id);
  return base32Udf(contentDigestBytes(raw.subarray(1), contentType), 140);
}

export const ENVELOPE_ID_TYPE = 'application/mmm/envelopeid';
export const RESPONSE_ID_TYPE = 'application/mmm/responseid';

/** The connection witness (connect.md §5.3). */
export function connectionWitness(accountUdfBytes: Uint8Array, serverNonce: Uint8Array, deviceUdfBytes: Uint8Array, clientNonce: Uint8Array): string {
  const s1 = sha512(concat(accountUdfBytes, serverNonce));
  const s2 = sha512(concat(deviceUdfBytes, clientNonce));
  return base32Udf(sha512(concat(s1, s2)), 140);
}

/** A fresh nonce UDF (type 104, 132 random bits, presented at 140 bits). */
export const nonceUdf = (): string => udfNonce();
