/**
 * Length of an envelope's JSON text, without serializing its body: `[header, "body", trailer]` with a
 * base64url body has nothing to escape in it. A body that would need escaping is not base64url, and
 * envelopeFromJson refuses it right after this check.
 */
export function envelopeJsonLength(json: unknown): number {
  if (!Array.isArray(json) || (json.length !== 2 && json.length !== 3) || typeof json[1] !== 'string') return JSON.stringify(json ?? null).length;
  const trailer = json.length === 3 ? JSON.stringify(json[2] ?? null).length + 1 : 0;
  return JSON.stringify(json[0] ?? null).length + json[1].length + trailer + 5;
}
