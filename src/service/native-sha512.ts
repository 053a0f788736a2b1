// Node hosts (the service, the CLI) hash with OpenSSL instead of @noble's JavaScript SHA-512.
import * as nodeCrypto from 'node:crypto';
import { useNativeSha512 } from '../mesh/dare/primitives.ts';

// crypto.hash (node 20.12+) is one call without a Hash object: ~1.6x faster for the small inputs of tree digests.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;

export const nodeSha512 = (data: Uint8Array): Uint8Array => {
  const d = oneShot ? oneShot('sha512', data, 'buffer') : nodeCrypto.createHash('sha512').update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};

useNativeSha512(nodeSha512);
