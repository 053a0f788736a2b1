// The JSON text of an envelope this device built, made once: the upload measures it (batch size) and
// sends it, and 10,000 envelopes are 10 MB of text. A request holding such envelopes is serialized with
// each one's text spliced in, instead of serializing every envelope a second time.
import { randomBytes, toHex } from '../bytes.ts';
import type { EnvelopeJson } from './messages.ts';

const texts = new WeakMap<object, string>();
let measured = 0;

/** The envelope's JSON text (envelopes are never changed once built). */
export function envelopeText(env: EnvelopeJson): string {
  let text = texts.get(env);
  if (text === undefined) {
    texts.set(env, (text = JSON.stringify(env)));
    measured++;
  }
  return text;
}

/** JSON.stringify(value), with the text of every envelope measured by envelopeText spliced in. */
export function stringifyWithEnvelopes(value: unknown): string {
  if (measured === 0) return JSON.stringify(value);
  const spliced: string[] = [];
  // A marker no JSON string of ours holds: it names the envelope to put in its place.
  const tag = `@${toHex(randomBytes(8))}@`;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    const text = Array.isArray(v) ? texts.get(v) : undefined;
    if (text === undefined) return v;
    spliced.push(text);
    return `${tag}${spliced.length - 1}`;
  });
  if (!spliced.length) return json;
  return json.replace(new RegExp(`"${tag}(\\d+)"`, 'g'), (_m, i: string) => spliced[Number(i)]);
}
