// Encoded Data Sequences (dare.md §4.5): annotations as JSON-B binary items.
import { MeshError } from '../errors.ts';
import { concat } from '../bytes.ts';
import { decodeJsonbItems, jsonbBinary } from '../jsonb.ts';

export interface Eds {
  /** The salt prefix: the annotation's position (one octet). */
  prefix: Uint8Array;
  data: Uint8Array;
  tag?: Uint8Array;
}

export function encodeEds(index: number, data: Uint8Array, tag?: Uint8Array): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 255) throw new MeshError('unsupported', 'at most 256 annotations');
  const parts = [jsonbBinary(Uint8Array.of(index)), jsonbBinary(data)];
  if (tag) parts.push(jsonbBinary(tag));
  return concat(...parts);
}

export function decodeEds(bytes: Uint8Array): Eds {
  const items = decodeJsonbItems(bytes);
  if (items.length < 2 || items.length > 3 || !items.every((x) => x instanceof Uint8Array)) {
    throw new MeshError('malformed', 'an EDS is two or three binary items');
  }
  const [prefix, data, tag] = items as Uint8Array[];
  return tag ? { prefix, data, tag } : { prefix, data };
}
