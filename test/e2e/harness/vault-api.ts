// The background's typed message API as tests and scripts call it: one request, its value or a thrown error.
import type { ExtensionSession } from './session.ts';

export type Reply<T> = { ok: true; value: T } | { ok: false; error: string; message: string };

export async function call<T>(s: ExtensionSession, type: string, fields: object = {}, timeoutMs?: number): Promise<T> {
  const r = await s.sendMessage<Reply<T>>({ ...fields, type }, timeoutMs);
  if (!r.ok) throw new Error(`${type}: ${r.error} ${r.message}`);
  return r.value;
}
