// Recovery of an account from escrow shares (issue 6): a fresh administration device rebuilt from k of n
// shares rejoins the account at its service with the owner-recovery credential (ProfileUser +
// EscrowEncryption), and then syncs like any device; the service limits that credential to Access and
// Device; wrong or too few shares fail clearly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../src/service/server.ts';
import { mesh } from '../integration/cli-helpers.ts';
import { escrowAccountSeed, recoverAccountSeed, accountUdfOfSeed } from '../../src/mesh/recovery.ts';
import { newAccountSeed, createAccountProfile, accountKeysFromSeed } from '../../src/mesh/profile.ts';
import { MeshClient } from '../../src/mesh/client.ts';
import { credentialOf } from '../../src/mesh/device.ts';
import { loadDevice } from '../../src/cli/home.ts';
import { MeshError } from '../../src/mesh/errors.ts';

const ACCOUNT = 'rita@mesh.test';

describe('escrow shares', () => {
  it('any 2 of 3 rebuild the same seed and profile UDF; one share or mixed sets fail', () => {
    const seed = newAccountSeed();
    const e = escrowAccountSeed(seed);
    expect(e.shares).toHaveLength(3);
    for (const pair of [[0, 1], [1, 2], [2, 0]]) {
      const back = recoverAccountSeed(pair.map((i) => e.shares[i]));
      expect(back).toBe(seed);
      expect(accountUdfOfSeed(back)).toBe(e.accountUdf);
    }
    expect(() => recoverAccountSeed([e.shares[0]])).toThrow(MeshError);
    const other = escrowAccountSeed(newAccountSeed());
    let mixed: string | undefined;
    try {
      mixed = recoverAccountSeed([e.shares[0], other.shares[1]]);
    } catch (x) {
      expect(x).toBeInstanceOf(MeshError);
    }
    if (mixed !== undefined) expect(accountUdfOfSeed(mixed)).not.toBe(e.accountUdf);
  });
});

describe('rejoining an account from shares (real service, in process)', () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  const dirs: string[] = [];
  const dir = (p: string) => {
    const d = mkdtempSync(join(tmpdir(), p));
    dirs.push(d);
    return d;
  };
  let shares: string[];
  let accountUdf: string;
  const A = dir('meshpass-rec-a-');

  beforeAll(async () => {
    svc = await startService({ dataDir: dir('meshpass-rec-svc-'), port: 0, log: () => {} });
    const created = await mesh(A, 'profile', 'create', '--description', 'lost laptop');
    accountUdf = created.accountUdf;
    await mesh(A, 'account', 'create', ACCOUNT, '--service', svc.url);
    await mesh(A, 'password', 'add', 'https://bank.example/', 'rita', 'before-the-loss');
    shares = (await mesh(A, 'profile', 'escrow')).shares;
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('a fresh device rebuilt from 2 of 3 shares becomes an administrator and gets the catalogs back', { timeout: 120_000 }, async () => {
    const R = dir('meshpass-rec-r-');
    const r = await mesh(R, 'profile', 'recover', shares[2], shares[0], '--account', ACCOUNT, '--service', svc.url, '--description', 'new laptop');
    expect(r).toMatchObject({ accountUdf, address: ACCOUNT, rejoined: true });
    expect((await mesh(R, 'password', 'get', 'bank.example')).entries).toMatchObject([{ username: 'rita', password: 'before-the-loss' }]);
    // It administers: issues a PIN, lists devices; the old admin sees the new device too.
    expect((await mesh(R, 'device', 'pin')).pin).toMatch(/^[A-Z2-7-]+$/);
    const seen = (await mesh(A, 'device', 'list')).devices as { id: string; roles: string[]; active: boolean }[];
    const deviceUdf = loadDevice(R).device.udf;
    expect(seen.find((d) => d.id === deviceUdf)).toMatchObject({ active: true, roles: ['admin', 'web'] });
    // What it adds reaches the other administrator.
    await mesh(R, 'password', 'add', 'https://shop.example/', 'rita', 'after-recovery');
    expect((await mesh(A, 'password', 'get', 'shop.example')).entries).toMatchObject([{ password: 'after-recovery' }]);
  });

  it('the owner-recovery credential reads only Access and Device and cannot write other stores', async () => {
    const seed = recoverAccountSeed([shares[0], shares[1]]);
    const user = await createAccountProfile(seed, ACCOUNT);
    const client = new MeshClient({ accountAddress: ACCOUNT, serviceUrl: svc.url, credential: credentialOf(user.envelope, accountKeysFromSeed(seed).escrow) });
    const st = (await client.status(['Access', 'Device', 'Credential'])) as unknown as { StoreStatus: { Store: string }[]; EnvelopedAccountHostAssignment?: unknown };
    expect(st.StoreStatus.map((s) => s.Store).sort()).toEqual(['Access', 'Device']);
    expect(st.EnvelopedAccountHostAssignment).toBeDefined();
    await expect(client.download('Credential')).rejects.toMatchObject({ code: 'auth' });
    const { envelopes } = await client.download('Access');
    expect(envelopes.length).toBeGreaterThan(1);
    await expect(client.transact({ updates: [{ Store: 'Credential', Index: 0, Envelopes: [envelopes[1]] }] })).rejects.toMatchObject({ code: 'auth', message: expect.stringMatching(/only write Access and Device/) });
    await expect(client.transact({ local: [envelopes[1]] })).rejects.toMatchObject({ code: 'auth' });
    await expect(client.unbindAccount()).rejects.toMatchObject({ code: 'auth' });
  });

  it('a profile from the wrong shares is refused by the service', async () => {
    const other = dir('meshpass-rec-o-');
    const foreign = escrowAccountSeed(newAccountSeed());
    await expect(mesh(other, 'profile', 'recover', foreign.shares[0], foreign.shares[1], '--account', ACCOUNT, '--service', svc.url)).rejects.toThrow(/NotAuthorized|another account|not authori/i);
  });
});
