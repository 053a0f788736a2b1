// Issue 6, a Mesh created in the browser and recovered from its shares, through the real popup, the
// settings page and the real service: Chromium creates the Mesh (shares shown once, one typed back);
// a fresh Chromium profile recovers the account from 2 of the 3 shares, gets the logins back, and as the
// new administrator accepts a CLI device by its verification code, connects another by a PIN (and its QR)
// with no click, and removes the first browser, which can no longer sync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumSession, type TestPage } from './harness/index.ts';
import { startServiceProcess, type ServiceProcess } from './harness/service.ts';
import { renderSVG } from 'uqr';
import { mesh, meshProcess } from '../integration/cli-helpers.ts';
import { connectUri } from '../../src/mesh/connect.ts';

const ACCOUNT = 'erin@mesh.test';
const PASS = 'correct horse battery';
const LONG = 60_000;
const CHEAP_KDF = { m: 256, t: 1, p: 1 };

type Reply<T> = { ok: true; value: T } | { ok: false; error: string; message: string };
async function call<T>(s: ChromiumSession, type: string, fields: object = {}): Promise<T> {
  const r = await s.sendMessage<Reply<T>>({ ...fields, type }, LONG);
  if (!r.ok) throw new Error(`${type}: ${r.error} ${r.message}`);
  return r.value;
}
const button = (p: TestPage, text: string, within = '') => (p.raw as Page).locator(`${within} button:text-is(${JSON.stringify(text)})`.trim()).click();
const shown = async (p: TestPage, testId: string) => (await p.text(`[data-testid=${testId}]`)).trim();

let svc: ServiceProcess;
let first: ChromiumSession;
let fresh: ChromiumSession;
const cliHome = mkdtempSync(join(tmpdir(), 'meshpass-recovery-cli-'));
const phoneHome = mkdtempSync(join(tmpdir(), 'meshpass-recovery-phone-'));
let shares: string[] = [];
let profileUdf = '';
let firstDeviceId = '';

beforeAll(async () => {
  svc = await startServiceProcess();
  [first, fresh] = await Promise.all([launchChromium(), launchChromium()]);
});
afterAll(async () => {
  await first?.close();
  await fresh?.close();
  await svc?.dispose();
  await rm(cliHome, { recursive: true, force: true });
  await rm(phoneHome, { recursive: true, force: true });
});

async function setPassphrase(popup: TestPage): Promise<void> {
  await popup.waitFor(() => !!document.querySelector('#pp1'), undefined, LONG);
  await popup.fill('#pp1', PASS);
  await popup.fill('#pp2', PASS);
  await button(popup, 'Create the vault');
  await popup.waitFor(() => !!document.querySelector('input[type=search]'), undefined, LONG);
}

describe('recovery from shares', () => {
  it('creates a new Mesh in the popup: 2-of-3 shares shown once, one typed back before going on', async () => {
    const popup = await first.openExtensionPage('popup.html');
    await button(popup, 'Create a new Mesh');
    await popup.fill('#nm-address', ACCOUNT);
    await popup.fill('#nm-service', svc.url);
    await button(popup, 'Create a new Mesh', 'form');
    await popup.waitFor(() => document.querySelectorAll('[data-testid=shares] li').length === 3, undefined, LONG);
    shares = await popup.evaluate(() => [...document.querySelectorAll('[data-testid=shares] li')].map((li) => li.textContent!.trim()));
    profileUdf = await shown(popup, 'profile-fingerprint');
    await popup.fill('#share-check', 'AAAA-BBBB');
    await button(popup, 'Continue');
    await popup.waitFor(() => /not one of the recovery shares/.test(document.querySelector('[role=alert]')?.textContent ?? ''), undefined, LONG);
    await popup.fill('#share-check', shares[1]);
    await button(popup, 'Continue');
    await popup.waitFor(() => !!document.querySelector('#pp1'), undefined, LONG);
    await popup.close();
    // The passphrase screen is driven in the next test; here a cheap KDF keeps this file short.
    expect(await call(first, 'setup', { passphrase: PASS, kdf: CHEAP_KDF })).toMatchObject({ phase: 'unlocked', account: { address: ACCOUNT, profileUdf } });
    // Shown once: nothing in the worker keeps them after the check.
    expect(await call(first, 'connect-state')).not.toHaveProperty('shares');
    await call(first, 'credential-save', { input: { title: 'Bank', url: 'https://bank.example/login', username: 'erin', password: 'kept-by-the-mesh', notes: '' } });
    expect(await call(first, 'sync-now')).toMatchObject({ pending: 0 });
    firstDeviceId = (await call<{ devices: { id: string; self: boolean }[] }>(first, 'devices')).devices.find((d) => d.self)!.id;
  });

  it('a fresh Chromium profile recovers the account from 2 of the 3 shares and gets the logins back', async () => {
    const popup = await fresh.openExtensionPage('popup.html');
    await button(popup, 'Recover from shares');
    await popup.fill('#rc-address', 'nobody@mesh.test');
    await popup.fill('#rc-share-0', shares[0]);
    await popup.fill('#rc-share-1', shares[2]);
    await popup.click('details summary');
    await popup.fill('#rc-service', svc.url);
    await button(popup, 'Recover');
    await popup.waitFor(() => /does not hold nobody@mesh\.test/.test(document.querySelector('[role=alert]')?.textContent ?? ''), undefined, LONG);
    await popup.fill('#rc-address', ACCOUNT);
    await button(popup, 'Recover');
    await popup.waitFor(() => !!document.querySelector('#pp1'), undefined, LONG);
    expect(await shown(popup, 'profile-fingerprint')).toBe(profileUdf);
    await setPassphrase(popup);
    await popup.close();
    expect(await call(fresh, 'status')).toMatchObject({ phase: 'unlocked', account: { address: ACCOUNT, profileUdf } });
    await call(fresh, 'sync-now');
    const [bank] = (await call<{ items: { id: string }[] }>(fresh, 'search', { query: 'bank' })).items;
    expect(await call(fresh, 'credential-get', { id: bank.id })).toMatchObject({ username: 'erin', password: 'kept-by-the-mesh' });
  });

  it('the recovered browser administers on its Devices page: accepts a CLI device by its code, connects one by a PIN with its QR, removes the first browser', async () => {
    const rc = await mesh(cliHome, 'device', 'request', ACCOUNT, '--service', svc.url, '--no-wait');
    expect(rc.status).toBe('pending');
    const page = await fresh.openExtensionPage('options.html');
    const row = `li.row:has-text(${JSON.stringify(rc.witness)})`;
    await page.waitFor((w) => [...document.querySelectorAll('[data-testid=pending] li')].some((li) => li.textContent!.includes(w)), rc.witness as string, LONG);
    await button(page, 'Accept', row);
    const cc = await mesh(cliHome, 'device', 'complete', '--interval-ms', '200', '--timeout', '30');
    expect(cc).toMatchObject({ status: 'connected', address: ACCOUNT });
    expect((await mesh(cliHome, 'password', 'get', 'bank.example')).entries).toMatchObject([{ password: 'kept-by-the-mesh' }]);

    // A PIN issued on the Devices page, with its QR code (the mcd: URI); a device using it connects while
    // the page stays open, with no click on the admin side.
    await button(page, 'Issue a PIN for a new device');
    await page.waitFor(() => !!document.querySelector('[data-testid=pin] img.qr'), undefined, LONG);
    const pin = /PIN ([A-Z2-7-]+),/.exec(await page.text('[data-testid=pin]'))![1];
    const uri = connectUri(ACCOUNT, pin, profileUdf);
    const qr = await page.evaluate(() => decodeURIComponent(document.querySelector<HTMLImageElement>('[data-testid=pin] img.qr')!.src.replace(/^data:image\/svg\+xml;charset=utf-8,/, '')));
    expect(qr).toBe(renderSVG(uri, { border: 2 }));
    await page.bringToFront();
    const phone = await meshProcess(phoneHome, 'device', 'request', uri, '--service', svc.url, '--interval-ms', '500', '--timeout', '60', '--json');
    expect(phone.code, phone.stderr).toBe(0);
    expect(JSON.parse(phone.stdout)).toMatchObject({ status: 'connected', address: ACCOUNT, accountUdf: profileUdf });

    await page.waitFor((id) => [...document.querySelectorAll('[data-testid=devices] li')].some((li) => li.textContent!.includes(id)), firstDeviceId, LONG);
    await button(page, 'Remove', `[data-testid=devices] li.row:has-text(${JSON.stringify(firstDeviceId)})`);
    await page.waitFor((id) => [...document.querySelectorAll('[data-testid=devices] li')].some((li) => li.textContent!.includes(id) && /inactive/i.test(li.textContent!)) ||
      ![...document.querySelectorAll('[data-testid=devices] li')].some((li) => li.textContent!.includes(id)), firstDeviceId, LONG);
    await page.close();
    const after = await call<{ lastError?: string }>(first, 'sync-now');
    expect(after.lastError).toMatch(/removed|not authori/i);
  });
});
