// Issue 6, connecting browsers to a Mesh the CLI administers, through the real popup and the real service:
// Chromium connects by PIN in the popup, which is closed and reopened while it waits (the flow lives in
// the worker), and shows the same account fingerprint as the CLI; Firefox first meets an unknown account,
// an unreachable service, an expired PIN and a rejected request (clear messages, then a retry that
// works); then a login added in one browser is filled into a fixture login page by the other, both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, launchFirefox, pollUntil, serveFixtures, type ChromiumSession, type ExtensionSession, type FirefoxSession, type FixtureServer, type TestPage } from './harness/index.ts';
import { startServiceProcess, type ServiceProcess } from './harness/service.ts';
import { mesh } from '../integration/cli-helpers.ts';
import { CORPUS_DIR } from '../unit/content/corpus.ts';
import { openSession } from '../../src/cli/home.ts';
import { issuePin } from '../../src/mesh/connect-flow.ts';
import { connectUri } from '../../src/mesh/connect.ts';

const ACCOUNT = 'dana@mesh.test';
const PASS = 'correct horse battery';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };
const LONG = 60_000;

type Reply<T> = { ok: true; value: T } | { ok: false; error: string; message: string };
async function call<T>(s: ExtensionSession, type: string, fields: object = {}): Promise<T> {
  const r = await s.sendMessage<Reply<T>>({ ...fields, type }, LONG);
  if (!r.ok) throw new Error(`${type}: ${r.error} ${r.message}`);
  return r.value;
}
type Step = { step: string; witness?: string; profileUdf?: string; error?: string };

let svc: ServiceProcess;
let fixtures: FixtureServer;
let accountUdf: string;
let chromium: ChromiumSession;
let firefox: FirefoxSession;
const admin = mkdtempSync(join(tmpdir(), 'meshpass-connect-admin-'));

beforeAll(async () => {
  [svc, fixtures] = await Promise.all([startServiceProcess(), serveFixtures(CORPUS_DIR)]);
  const browsers = Promise.all([launchChromium(), launchFirefox()]);
  accountUdf = (await mesh(admin, 'profile', 'create', '--description', 'admin laptop')).accountUdf;
  await mesh(admin, 'account', 'create', ACCOUNT, '--service', svc.url);
  [chromium, firefox] = await browsers;
});
afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await fixtures?.close();
  await svc?.dispose();
  await rm(admin, { recursive: true, force: true });
});

/** Clicks the button whose text is exactly `text` (Playwright). */
const button = (p: TestPage, text: string) => (p.raw as Page).locator(`button:text-is(${JSON.stringify(text)})`).click();
const shown = async (p: TestPage, testId: string) => (await p.text(`[data-testid=${testId}]`)).trim();

describe('Chromium connects by PIN through the popup', () => {
  it('keeps its progress when the popup closes mid-flow, shows the CLI profile fingerprint, and completes with no step on the admin side', async () => {
    const { pin } = await mesh(admin, 'device', 'pin');
    let popup = await chromium.openExtensionPage('popup.html');
    await button(popup, 'Connect to an existing Mesh');
    await popup.fill('#address', ACCOUNT);
    await popup.fill('#pin', pin);
    await popup.click('details summary');
    await popup.fill('#service', svc.url);
    await button(popup, 'Connect');
    await popup.waitFor(() => !!document.querySelector('[data-testid=witness]'), undefined, LONG);
    const witness = await shown(popup, 'witness');
    expect(await shown(popup, 'profile-fingerprint')).toBe(accountUdf);
    await popup.close();

    // Reopened (Firefox closes its popup on every focus change): same step, same code, nothing lost.
    popup = await chromium.openExtensionPage('popup.html');
    await popup.waitFor(() => !!document.querySelector('[data-testid=witness]'), undefined, LONG);
    expect(await shown(popup, 'witness')).toBe(witness);
    await popup.close();

    // The administrator's next sync answers the PIN request; the browser needs no action meanwhile.
    const synced = await mesh(admin, 'profile', 'sync');
    expect(synced.connected).toHaveLength(1);
    popup = await chromium.openExtensionPage('popup.html');
    await popup.waitFor(() => !!document.querySelector('#pp1'), undefined, LONG);
    expect(await shown(popup, 'profile-fingerprint')).toBe(accountUdf);
    await popup.fill('#pp1', PASS);
    await popup.fill('#pp2', PASS);
    await button(popup, 'Create the vault');
    await popup.waitFor(() => !!document.querySelector('input[type=search]'), undefined, LONG);
    await popup.close();
    expect(await call(chromium, 'status')).toMatchObject({ phase: 'unlocked', account: { address: ACCOUNT, profileUdf: accountUdf } });
  });
});

describe('Firefox: an expired PIN and a rejected request, then a connection that works', () => {
  it('says when the account is unknown or the service unreachable', async () => {
    const failure = async (fields: object) => {
      await call(firefox, 'connect-start', fields);
      return pollUntil(async () => {
        const st = await call<Step>(firefox, 'connect-state');
        return st.step === 'failed' ? st.error : undefined;
      }, 'the failure', LONG);
    };
    expect(await failure({ address: 'nobody@mesh.test', serviceUrl: svc.url })).toMatch(/has no account nobody@mesh\.test/);
    expect(await failure({ address: ACCOUNT, serviceUrl: 'http://127.0.0.1:9' })).toMatch(/cannot reach the Mesh service/);
  });

  it('says the PIN expired', async () => {
    const session = await openSession(admin);
    const expired = await issuePin(session, { validMinutes: -1 });
    await call(firefox, 'connect-start', { address: ACCOUNT, pin: expired.pin, serviceUrl: svc.url });
    await pollUntil(async () => ((await call<Step>(firefox, 'connect-state')).step === 'awaiting-approval' ? true : undefined), 'the request to reach the service', LONG);
    expect((await mesh(admin, 'profile', 'sync')).refused).toMatchObject([{ result: 'Expired' }]);
    const failed = await pollUntil(async () => {
      const st = await call<Step>(firefox, 'connect-state');
      return st.step === 'failed' ? st : undefined;
    }, 'the expired PIN to be refused', LONG);
    expect(failed.error).toMatch(/PIN has expired/);
  });

  it('says the administrator rejected the request', async () => {
    const step = await call<Step>(firefox, 'connect-start', { address: ACCOUNT, serviceUrl: svc.url });
    expect(step.step).toBe('contacting');
    const waiting = await pollUntil(async () => {
      const st = await call<Step>(firefox, 'connect-state');
      return st.step === 'awaiting-approval' ? st : undefined;
    }, 'the verification code', LONG);
    expect(waiting.profileUdf).toBe(accountUdf);
    const pending = (await mesh(admin, 'device', 'pending')) as { requests: { id: string; witness: string }[] };
    const req = pending.requests.find((r) => r.witness === waiting.witness);
    expect(req, JSON.stringify(pending)).toBeDefined();
    await mesh(admin, 'device', 'reject', req!.id);
    const failed = await pollUntil(async () => {
      const st = await call<Step>(firefox, 'connect-state');
      return st.step === 'failed' ? st : undefined;
    }, 'the rejection', LONG);
    expect(failed.error).toMatch(/administrator rejected this device/);
  });

  it('refuses a pasted connection URI whose account fingerprint is not the one the service answers for', async () => {
    const session = await openSession(admin);
    const { pin } = await issuePin(session, { validMinutes: -1 });
    const other = accountUdf.slice(0, -1) + (accountUdf.endsWith('A') ? 'B' : 'A');
    await call(firefox, 'connect-start', { address: ACCOUNT, pin: connectUri(ACCOUNT, pin, other), serviceUrl: svc.url });
    const failed = await pollUntil(async () => {
      const st = await call<Step>(firefox, 'connect-state');
      return st.step === 'failed' ? st : undefined;
    }, 'the substituted account to be refused', LONG);
    expect(failed.error).toContain(`answered for account profile ${accountUdf}, not the expected ${other}`);
  });

  it('retries with a fresh PIN, pasted as the connection URI of the QR code, and connects', async () => {
    const { uri } = await mesh(admin, 'device', 'pin');
    expect(uri).toContain(`udf=${accountUdf}`);
    await call(firefox, 'connect-start', { address: ACCOUNT, pin: uri, serviceUrl: svc.url });
    const ready = await pollUntil(async () => {
      await mesh(admin, 'profile', 'sync');
      const st = await call<Step>(firefox, 'connect-state');
      if (st.step === 'failed') throw new Error(st.error);
      return st.step === 'choose-passphrase' ? st : undefined;
    }, 'the connection', LONG);
    expect(ready.profileUdf).toBe(accountUdf);
    expect(await call(firefox, 'setup', { passphrase: PASS, kdf: CHEAP_KDF })).toMatchObject({ phase: 'unlocked', account: { address: ACCOUNT } });
  });
});

describe('Chromium and Firefox on one account', () => {
  const fillIn = async (s: ExtensionSession, path: string) => {
    const page = await s.newPage();
    await page.goto(fixtures.url(path));
    await page.waitFor(() => document.documentElement.dataset.meshpass === 'ready', undefined, LONG);
    await s.sendMessage({ type: 'test:trigger', kind: 'context-menu', urlPrefix: fixtures.url(path) }, LONG);
    await page.waitFor(() => (document.querySelector('#pass') as HTMLInputElement).value !== '', undefined, LONG);
    const got = await page.evaluate(() => ({ user: (document.querySelector('#user') as HTMLInputElement).value, pass: (document.querySelector('#pass') as HTMLInputElement).value }));
    await page.close();
    return got;
  };

  it('a password added in Chromium is filled in Firefox, and one added in Firefox is filled in Chromium', async () => {
    const pageA = fixtures.url('/login-basic.html');
    await call(chromium, 'credential-save', { input: { title: 'Acme', url: pageA, username: 'dana', password: 'from-chromium', notes: '' } });
    expect(await call(chromium, 'sync-now')).toMatchObject({ pending: 0 });
    await call(firefox, 'sync-now');
    expect(await fillIn(firefox, '/login-basic.html')).toEqual({ user: 'dana', pass: 'from-chromium' });

    // The other way: Firefox replaces that login by its own (deleted + added); Chromium fills the new one.
    const [old] = (await call<{ items: { id: string }[] }>(firefox, 'search', { query: 'Acme' })).items;
    await call(firefox, 'credential-delete', { id: old.id });
    await call(firefox, 'credential-save', { input: { title: 'Acme', url: pageA, username: 'dana2', password: 'from-firefox', notes: '' } });
    expect(await call(firefox, 'sync-now')).toMatchObject({ pending: 0 });
    await call(chromium, 'sync-now');
    expect(await fillIn(chromium, '/login-basic.html')).toEqual({ user: 'dana2', pass: 'from-firefox' });
  });
});
