// Checker for the project HTTPS-binding MAC vector (protocol.md §4.2).
import { expect } from 'vitest';
import { x448 } from '@noble/curves/ed448.js';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../src/mesh/bytes.ts';
import { formatAuthHeader, formatResponseHeader, macKey, parseAuthHeader, requestMac, requestMacInput, responseMac, responseMacInput } from '../../src/mesh/protocol/mac.ts';
import { x448AgreeRaw } from '../../src/mesh/protocol/x448.ts';
import { keyFingerprint } from '../../src/mesh/protocol/fingerprints.ts';
import type { VectorCheck } from './types.ts';

const requestMacV1: VectorCheck = (entry, doc) => {
  const i = entry.input;
  const e = entry.expected;
  const combined = doc.vectors.find((v: { id: string }) => v.id === 'project-x448-combined-agreement');
  const scalarHex = combined ? findHex(combined, 'combined_scalar_le_hex') : undefined;
  const servicePriv = fromHex(i.service_auth_private_raw_hex);
  const clientPub = fromBase64Url(i.client_auth_public_b64url);
  // Service side: a standard (clamping) X448 with the ordinary service key.
  const sService = x448.getSharedSecret(servicePriv, clientPub.subarray(0, 56));
  expect(toHex(sService).toUpperCase()).toBe(e.S_hex);
  // Client side: the unclamped ladder with the combined scalar.
  if (scalarHex) expect(toHex(x448AgreeRaw(fromHex(scalarHex), fromBase64Url(i.service_auth_public_b64url))).toUpperCase()).toBe(e.S_hex);
  expect(keyFingerprint('X448', clientPub)).toBe(i.client_kid_2023_profile);
  const nonce = fromHex(i.nonce_hex);
  const k = macKey(sService, nonce);
  expect(toHex(k).toUpperCase()).toBe(e.K_hex);
  const reqBody = utf8(i.request_body_utf8);
  expect(toHex(requestMacInput(i.ts, i.path, reqBody)).toUpperCase()).toBe(e.m_req_hex);
  const mac = requestMac(k, i.ts, i.path, reqBody);
  expect(toBase64Url(mac)).toBe(e.mac_b64url);
  const resBody = utf8(i.response_body_utf8);
  expect(toHex(responseMacInput(nonce, resBody)).toUpperCase()).toBe(e.m_res_hex);
  expect(toBase64Url(responseMac(k, nonce, resBody))).toBe(e.response_mac_b64url);
  expect(formatAuthHeader({ kid: i.client_kid_2023_profile, ts: i.ts, nonce, mac })).toBe(e['X-MMM-Auth']);
  expect(formatResponseHeader(responseMac(k, nonce, resBody))).toBe(e['X-MMM-Auth-Response']);
  const parsed = parseAuthHeader(e['X-MMM-Auth']);
  expect(parsed.kid).toBe(i.client_kid_2023_profile);
};
requestMacV1.title = 'request and response MAC of the HTTPS binding';

/** Finds a hex string field by name anywhere in a vector entry. */
function findHex(v: unknown, name: string): string | undefined {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === name && typeof x === 'string') return x;
      const r = findHex(x, name);
      if (r) return r;
    }
  }
  return undefined;
}

export const checks: Record<string, VectorCheck> = { 'project-request-mac-v1': requestMacV1 };
