// JSON framing of the project binding (protocol.md §3): a request is one member named by the
// transaction; a response is one member named by the response class.
import { fromUtf8, utf8 } from '../bytes.ts';
import { MeshError } from '../errors.ts';
import { stringifyWithEnvelopes } from './envelope-text.ts';
import { REQUEST_CLASS, RESPONSE_TAG, type ResponseBase, type TransactionName, type Transactions } from './messages.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function encodeRequest<T extends TransactionName>(tx: T, request: Transactions[T][0]): Uint8Array {
  return utf8(stringifyWithEnvelopes({ [tx]: request }));
}

export interface DecodedRequest {
  transaction: TransactionName;
  body: Record<string, unknown>;
}

/** Thrown for a well-formed request naming a transaction the service does not know (HTTP 404). */
export class UnknownTransaction extends MeshError {
  constructor(readonly tag: string) {
    super('not-found', `unknown transaction ${JSON.stringify(tag.slice(0, 64))}`);
  }
}

export function decodeRequest(bytes: Uint8Array): DecodedRequest {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new MeshError('malformed', 'request body is not valid UTF-8 JSON');
  }
  if (!isObject(value)) throw new MeshError('malformed', 'request must be a JSON object');
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new MeshError('malformed', 'request must have exactly one member, the transaction name');
  const tag = keys[0];
  const body = value[tag];
  if (!isObject(body)) throw new MeshError('malformed', `request ${tag.slice(0, 64)} must be an object`);
  // Own properties only: "toString", "constructor" or "__proto__" are not transactions.
  const transaction = (Object.hasOwn(RESPONSE_TAG, tag) ? tag : Object.hasOwn(REQUEST_CLASS, tag) ? REQUEST_CLASS[tag] : undefined) as TransactionName | undefined;
  if (!transaction) throw new UnknownTransaction(tag);
  return { transaction, body };
}

export function encodeResponse(tx: TransactionName, response: ResponseBase): Uint8Array {
  return utf8(JSON.stringify({ [RESPONSE_TAG[tx]]: response }));
}

/** Decodes a response; any tag is accepted when Status is not 2xx (protocol.md §3.1). */
export function decodeResponse<T extends TransactionName>(tx: T, bytes: Uint8Array): Transactions[T][1] {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new MeshError('protocol', 'service response is not valid JSON');
  }
  if (!isObject(value) || Object.keys(value).length !== 1) throw new MeshError('protocol', 'service response must have exactly one member');
  const [tag] = Object.keys(value);
  const body = value[tag];
  if (!isObject(body)) throw new MeshError('protocol', 'service response body must be an object');
  const status = typeof body.Status === 'number' ? body.Status : undefined;
  const ok = status !== undefined && status >= 200 && status < 300;
  if (ok && tag !== RESPONSE_TAG[tx]) throw new MeshError('protocol', `expected ${RESPONSE_TAG[tx]}, got ${tag.slice(0, 64)}`);
  return body as Transactions[T][1];
}
