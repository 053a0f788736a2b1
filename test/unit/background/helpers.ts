import 'fake-indexeddb/auto';
import { Background, type Tabs } from '../../../src/background/background.ts';
import { openVaultDb } from '../../../src/background/db.ts';
import { memorySession } from '../../../src/background/platform.ts';
import type { Api, RequestType } from '../../../src/shared/messages.ts';

export const CHEAP_KDF = { m: 64, t: 1, p: 1 };
let n = 0;

export function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

export async function makeBackground(opts: { tabs?: Tabs; name?: string; session?: ReturnType<typeof memorySession>; clock?: ReturnType<typeof clock> } = {}) {
  const name = opts.name ?? `bg-test-${++n}-${Math.random()}`;
  const db = await openVaultDb(name);
  const session = opts.session ?? memorySession();
  const c = opts.clock ?? clock();
  const bg = new Background({ db, session, clock: c, tabs: opts.tabs, allowKdfOverride: true });
  await bg.start();
  const call = async <K extends RequestType>(type: K, fields: Api[K][0]): Promise<Api[K][1]> => {
    const r = await bg.handle({ ...fields, type } as never, { fromExtensionPage: true });
    if (!r.ok) throw Object.assign(new Error(r.message), { code: r.error, retryAfter: r.retryAfter });
    return r.value as Api[K][1];
  };
  return { bg, db, session, clock: c, name, call };
}

export const sampleCredential = (i: number) => ({
  title: `Site ${i}`,
  url: `https://login.site${i}.example.com/signin`,
  username: `user${i}@mail.test`,
  password: `pw-${i}-secret`,
  notes: '',
});
