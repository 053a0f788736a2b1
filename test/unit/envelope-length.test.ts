// The service measures each uploaded envelope for its size limit and the account quota without
// serializing the body again (src/service/envelope-length.ts): the same number JSON.stringify gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { envelopeJsonLength } from '../../src/service/envelope-length.ts';

const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{0,600}$/);
const json = fc.jsonValue({ maxDepth: 3 });

describe('envelopeJsonLength', () => {
  it('is the length of the JSON text of any envelope with a base64url body', () => {
    const envelope = fc.oneof(fc.tuple(json, base64url), fc.tuple(json, base64url, json), fc.tuple(fc.constant(undefined), base64url, fc.constant(undefined)));
    fc.assert(
      fc.property(envelope, (e) => {
        expect(envelopeJsonLength(e)).toBe(JSON.stringify(e).length);
      }),
      { numRuns: 2000 },
    );
  });

  it('serializes whatever is not shaped like an envelope', () => {
    for (const v of [null, undefined, 'x', 42, {}, [], [1], [{}, 2, {}], [{}, 'a', {}, {}], { 0: {}, 1: 'a' }]) expect(envelopeJsonLength(v)).toBe(JSON.stringify(v ?? null).length);
  });
});
