// Node hosts (the service, the CLI) hash with OpenSSL instead of @noble's JavaScript SHA-512.
import { createHash } from 'node:crypto';
import { useNativeSha512 } from '../mesh/dare/primitives.ts';

export const nodeSha512 = (data: Uint8Array): Uint8Array => {
  const d = createHash('sha512').update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};

useNativeSha512(nodeSha512);
