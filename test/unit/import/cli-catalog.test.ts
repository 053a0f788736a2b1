// `mesh password import` into a real catalog: a CLI device on the real service process, duplicates
// handled by --policy, everything queued in one commit and synced.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../../e2e/harness/service.ts';
import { mesh } from '../../integration/cli-helpers.ts';

const fixture = (name: string) => new URL(`../../fixtures/import/${name}`, import.meta.url).pathname;

let svc: ServiceProcess;
let home: string;

beforeAll(async () => {
  svc = await startServiceProcess();
  home = mkdtempSync(join(tmpdir(), 'mesh-import-home-'));
  await mesh(home, 'profile', 'create', '--description', 'import test');
  await mesh(home, 'account', 'create', 'importer@mesh.test', '--service', svc.url);
}, 60_000);

afterAll(async () => {
  await svc?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
});

const listed = async () =>
  ((await mesh(home, 'password', 'list')).entries as { host: string; username: string; title?: string }[])
    .map((e) => `${e.host} ${e.username} ${e.title ?? ''}`.trim())
    .sort();

describe('mesh password import (real catalog)', () => {
  it('adds every login, and a second import of the same file adds nothing (skip)', async () => {
    const first = await mesh(home, 'password', 'import', fixture('chrome.csv'));
    expect(first).toMatchObject({ dryRun: false, added: 4, updated: 0, skippedDuplicates: 0, synced: true, conflicts: 0 });
    expect(await listed()).toEqual([
      '192.168.1.10:8080 admin intranet',
      'accounts.example.com alice@example.com accounts.example.com',
      'com.example.mail alice.m com.example.mail',
      'shop.example.org bob shop.example.org',
    ]);
    const again = await mesh(home, 'password', 'import', fixture('chrome.csv'));
    expect(again).toMatchObject({ added: 0, updated: 0, skippedDuplicates: 4, synced: true });
    expect(await listed()).toHaveLength(4);
  });

  it('replace overwrites the matching entry; keep-both adds a second one', async () => {
    const csv = join(home, 'changed.csv');
    writeFileSync(csv, 'name,url,username,password,note\nShop (new),https://www.shop.example.org/,bob,n3w-Pass,changed\n');
    expect(await mesh(home, 'password', 'import', csv, '--policy', 'replace')).toMatchObject({ added: 0, updated: 1 });
    const got = (await mesh(home, 'password', 'get', 'shop.example.org')).entries as { username: string; password: string; notes?: string; title?: string }[];
    expect(got).toEqual([expect.objectContaining({ username: 'bob', password: 'n3w-Pass', notes: 'changed', title: 'Shop (new)' })]);
    expect(await mesh(home, 'password', 'import', csv, '--policy', 'keep-both')).toMatchObject({ added: 1, updated: 0 });
    expect((await mesh(home, 'password', 'get', 'shop.example.org')).entries).toHaveLength(2);
  });
});
