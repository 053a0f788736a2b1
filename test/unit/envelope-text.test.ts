import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { envelopeText, stringifyWithEnvelopes } from '../../src/mesh/protocol/envelope-text.ts';
import { encodeRequest } from '../../src/mesh/protocol/framing.ts';
import { fromUtf8 } from '../../src/mesh/bytes.ts';
import type { EnvelopeJson } from '../../src/mesh/protocol/messages.ts';

const envelope = (i: number, text = ''): EnvelopeJson => [{ EnvelopeId: `M${i}`, Note: text }, `body-${i}`, { PayloadDigest: `d${i}` }];

describe('requests with envelope texts spliced in', () => {
  it('are byte for byte what JSON.stringify makes, measured envelopes or not', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.boolean()), { maxLength: 20 }), fc.string(), (items, account) => {
        const envs = items.map(([text, measure], i) => {
          const e = envelope(i, text);
          if (measure) envelopeText(e);
          return e;
        });
        const request = { Transact: { Account: account, Updates: [{ Store: 'Credential', Index: 3, Envelopes: envs }] } };
        expect(stringifyWithEnvelopes(request)).toBe(JSON.stringify(request));
      }),
    );
  });

  it('a string that looks like a marker stays a string', () => {
    const e = envelope(1);
    envelopeText(e);
    const json = stringifyWithEnvelopes({ a: ['@0000000000000000@0', e], b: '"@x@0"' });
    expect(JSON.parse(json)).toEqual({ a: ['@0000000000000000@0', e], b: '"@x@0"' });
  });

  it('encodeRequest uses it', () => {
    const e = envelope(2, 'ü');
    envelopeText(e);
    expect(fromUtf8(encodeRequest('Transact', { Updates: [{ Store: 'Bookmark', Index: 0, Envelopes: [e] }] } as never))).toBe(JSON.stringify({ Transact: { Updates: [{ Store: 'Bookmark', Index: 0, Envelopes: [e] }] } }));
  });
});
