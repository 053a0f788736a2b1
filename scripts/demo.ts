// `npm run demo`: the whole MeshPass journey, headless and scripted, in a few minutes.
//   1. the mesh CLI creates a profile and an account at a local Mesh Service;
//   2. Chromium connects by a PIN (popup form: address, PIN, service URL);
//   3. a Chrome CSV is imported in Chromium (the import page);
//   4. Firefox connects by another PIN;
//   5. a login page served on localhost is filled in Firefox (popup "Fill") with a login imported in Chromium;
//   6. the same login is edited in both browsers while the service is down → a conflict, shown in the
//      popup and resolved there; both browsers converge;
//   7. a bookmark added in Chromium's popup (Bookmarks view) appears in Firefox's.
// Each step leaves screenshots in the output folder (default demo-output/) and the run writes
// index.html (one line per step: pass/fail, duration, screenshots) and report.json.
// It uses the TEST build of the extension (`vite build --mode test`, into a temp dir), whose test
// bridge lets the harness open extension pages in Firefox; set MESHPASS_TEST_DIST to reuse a build.
// Passphrases use a cheap KDF (setup message) so the demo is not dominated by Argon2id.
//
// Options: --out DIR (or MESHPASS_DEMO_OUT). Exit code 0 when every step passed.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page as PwPage } from 'playwright-core';
import { buildExtension, launchChromium, launchFirefox, pollUntil, serveFixtures, type ChromiumSession, type ExtensionSession, type FirefoxSession, type FixtureServer, type TestPage } from '../test/e2e/harness/index.ts';
import { startServiceProcess, type ServiceProcess } from '../test/e2e/harness/service.ts';
import { parseArgs, type CliContext, type Command } from '../src/cli/framework.ts';
import { commands as profileCommands } from '../src/cli/commands/profile.ts';
import { commands as accountCommands } from '../src/cli/commands/account.ts';
import { commands as deviceCommands } from '../src/cli/commands/device.ts';
import { commands as passwordCommands } from '../src/cli/commands/password.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ACCOUNT = 'demo@meshpass.local';
const PASSPHRASE = 'demo passphrase, not a real one';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };
const LONG = 60_000;

export interface StepReport {
  n: number;
  name: string;
  status: 'pass' | 'fail' | 'skipped';
  ms: number;
  screenshots: string[];
  detail?: string;
  error?: string;
}

export interface DemoReport {
  startedAt: string;
  seconds: number;
  passed: boolean;
  steps: StepReport[];
  out: string;
}

// ---------------------------------------------------------------- helpers

const COMMANDS: Command[] = [...profileCommands, ...accountCommands, ...deviceCommands, ...passwordCommands];

/** Runs a mesh CLI command in this process (the CLI's own code); returns what --json prints. */
async function mesh(home: string, ...argv: string[]): Promise<any> {
  const command = COMMANDS.filter((c) => c.path.every((p, i) => argv[i] === p)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!command) throw new Error(`no mesh command ${argv.join(' ')}`);
  const ctx: CliContext = { home, json: true, info: () => undefined };
  return command.run(parseArgs(argv.slice(command.path.length), command.valueOptions ?? []), ctx);
}

type Reply<T> = { ok: true; value: T } | { ok: false; error: string; message: string };

/** One request of the extension's message API (what the popup sends). */
async function call<T = unknown>(s: ExtensionSession, type: string, fields: object = {}, timeoutMs = LONG): Promise<T> {
  const r = await s.sendMessage<Reply<T>>({ ...fields, type }, timeoutMs);
  if (!r.ok) throw new Error(`${type}: ${r.error} ${r.message}`);
  return r.value;
}

interface SyncStatus {
  phase: string;
  pending: number;
  lastError?: string;
}

async function syncNow(s: ExtensionSession): Promise<SyncStatus> {
  const st = await call<SyncStatus>(s, 'sync-now');
  if (st.phase !== 'idle' || st.pending !== 0) throw new Error(`${s.browserName} did not sync: ${st.phase}, ${st.pending} pending${st.lastError ? `, ${st.lastError}` : ''}`);
  return st;
}

interface Summary {
  id: string;
  title: string;
  username: string;
}

async function find(s: ExtensionSession, query: string): Promise<Summary[]> {
  return (await call<{ items: Summary[] }>(s, 'search', { query })).items;
}

/** The id of the first tab whose URL starts with `prefix`, read from an extension page. */
async function tabIdOf(s: ExtensionSession, prefix: string): Promise<number> {
  const page = await s.openExtensionPage('test.html');
  try {
    return await pollUntil(
      () =>
        page.evaluate(async (p: string) => {
          const g = globalThis as unknown as { browser?: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } }; chrome?: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } } };
          const tabs = await (g.browser ?? g.chrome)!.tabs.query({});
          return tabs.find((t) => t.url?.startsWith(p))?.id;
        }, prefix),
      `a tab at ${prefix}`,
      LONG,
    );
  } finally {
    await page.close();
  }
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A terminal-like page showing CLI commands and their output, for the CLI steps' screenshots. */
function terminalHtml(title: string, lines: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>
body{margin:0;background:#1e1e1e;color:#ddd;font:15px/1.5 ui-monospace,monospace}
h1{font:600 14px system-ui,sans-serif;background:#333;color:#fff;margin:0;padding:8px 14px}
pre{margin:0;padding:14px;white-space:pre-wrap;word-break:break-all}.c{color:#8fd18f}</style></head>
<body><h1>${escape(title)}</h1><pre>${lines.map((l) => (l.startsWith('$ ') ? `<span class="c">${escape(l)}</span>` : escape(l))).join('\n')}</pre></body></html>`;
}

const LOGIN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo Bank: sign in</title><style>
body{font:16px system-ui,sans-serif;background:#f3f5f8;display:grid;place-items:center;min-height:90vh}
form{background:#fff;padding:28px 32px;border-radius:10px;box-shadow:0 2px 10px #0002;display:grid;gap:10px;width:320px}
input{font:inherit;padding:8px;border:1px solid #bbb;border-radius:6px}button{font:inherit;padding:9px;background:#1f5fbf;color:#fff;border:0;border-radius:6px}</style></head>
<body><form method="post" action="/signed-in"><h1>Demo Bank</h1>
<label for="user">E-mail</label><input id="user" name="email" type="email" autocomplete="username">
<label for="pass">Password</label><input id="pass" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button></form></body></html>`;

// ---------------------------------------------------------------- the run

export interface DemoOptions {
  /** Output folder (created; the files of an earlier run in it are replaced, nothing else is touched). */
  out?: string;
  /** The unpacked TEST build; default MESHPASS_TEST_DIST, else built into a temp dir. */
  dist?: string;
  log?: (line: string) => void;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoReport> {
  const out = resolve(opts.out ?? process.env.MESHPASS_DEMO_OUT ?? join(ROOT, 'demo-output'));
  const log = opts.log ?? ((line: string) => console.log(line));
  await mkdir(out, { recursive: true });
  // Only what an earlier run wrote is replaced (--out may name a folder that holds other files).
  for (const f of await readdir(out)) if (/^\d\d-.*\.png$|^(index\.html|report\.json|chrome-passwords\.csv)$/.test(f)) await rm(join(out, f), { force: true });
  const startedAt = new Date();
  const steps: StepReport[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];

  let failed = false;
  /** Runs one step: its screenshots are taken by `shoot`, also when it fails (what was on screen). */
  const step = async (name: string, body: (shoot: (page: TestPage, label?: string) => Promise<void>, note: (d: string) => void) => Promise<void>, lastPage?: () => TestPage | undefined): Promise<void> => {
    const n = steps.length + 1;
    const report: StepReport = { n, name, status: 'skipped', ms: 0, screenshots: [] };
    steps.push(report);
    if (failed) {
      report.detail = 'not run: an earlier step failed';
      log(`– ${n}. ${name}: skipped`);
      return;
    }
    const shoot = async (page: TestPage, label = '') => {
      const file = `${String(n).padStart(2, '0')}-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)}${label ? `-${label}` : ''}.png`;
      await writeFile(join(out, file), await page.screenshot());
      report.screenshots.push(file);
    };
    const started = performance.now();
    log(`▶ ${n}. ${name}`);
    try {
      await body(shoot, (d) => (report.detail = d));
      report.status = 'pass';
    } catch (error) {
      report.status = 'fail';
      report.error = error instanceof Error ? error.message : String(error);
      failed = true;
      const page = lastPage?.();
      if (page) await shoot(page, 'failure').catch(() => undefined);
    }
    report.ms = Math.round(performance.now() - started);
    log(`${report.status === 'pass' ? '✓' : '✗'} ${n}. ${name} (${(report.ms / 1000).toFixed(1)} s)${report.error ? `: ${report.error}` : ''}`);
  };

  let svc: ServiceProcess | undefined;
  let chromium: ChromiumSession | undefined;
  let firefox: FirefoxSession | undefined;
  let site: FixtureServer | undefined;
  let current: TestPage | undefined;
  const admin = mkdtempSync(join(tmpdir(), 'meshpass-demo-admin-'));
  cleanup.push(() => rm(admin, { recursive: true, force: true }));

  const shown = () => current;
  try {
    let dist = opts.dist ?? process.env.MESHPASS_TEST_DIST;
    if (!dist) {
      log('Building the test build of the extension (vite build --mode test)…');
      dist = await buildExtension('test');
      const built = dist;
      cleanup.push(() => rm(built, { recursive: true, force: true }));
    }
    svc = await startServiceProcess();
    site = await serveFixtures(null, {
      '/login': (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LOGIN_PAGE),
      '/signed-in': (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Signed in</title><h1>Signed in</h1>'),
    });
    const loginUrl = site.url('/login');
    chromium = await launchChromium({ dist });

    /** Connects a browser with a PIN the CLI admin issues, through the popup's connect form. */
    const connect = async (s: ExtensionSession, shoot: (p: TestPage, label?: string) => Promise<void>): Promise<string> => {
      const { pin } = await mesh(admin, 'device', 'pin');
      const popup = (current = await s.openExtensionPage('popup.html'));
      await popup.waitFor(() => !!document.querySelector('button.primary'), undefined, LONG);
      await popup.click('button.primary'); // "Connect to an existing Mesh"
      await popup.waitFor(() => !!document.getElementById('address'), undefined, LONG);
      await popup.fill('#address', ACCOUNT);
      await popup.fill('#pin', pin);
      await popup.click('details summary');
      await popup.fill('#service', svc!.url);
      await shoot(popup, 'form');
      await popup.click('form button[type=submit]');
      // The CLI admin answers the PIN request on its next sync.
      const step = await pollUntil(async () => {
        await mesh(admin, 'profile', 'sync');
        const st = await call<{ step: string; profileUdf?: string; error?: string }>(s, 'connect-state');
        if (st.step === 'failed') throw new Error(`connection failed: ${st.error}`);
        return st.step === 'choose-passphrase' ? st : undefined;
      }, 'the PIN connection to be accepted', 2 * LONG);
      await popup.waitFor(() => !!document.getElementById('pp1'), undefined, LONG);
      // The popup shows the account's profile fingerprint: it must be the one the CLI created.
      const shownUdf = (await popup.evaluate(() => document.querySelector('.muted .code')?.textContent ?? '')).trim();
      if (shownUdf && shownUdf !== accountUdf) throw new Error(`the popup shows profile ${shownUdf}, the CLI created ${accountUdf}`);
      if (step.profileUdf !== accountUdf) throw new Error(`connected to profile ${step.profileUdf}, the CLI created ${accountUdf}`);
      await shoot(popup, 'passphrase');
      await call(s, 'setup', { passphrase: PASSPHRASE, kdf: CHEAP_KDF });
      await popup.close();
      const main = (current = await s.openExtensionPage('popup.html'));
      await main.waitFor(() => !!document.querySelector('nav.tabs'), undefined, LONG);
      await shoot(main);
      return step.profileUdf!;
    };

    let accountUdf = '';
    const credential = { title: 'Demo Bank', url: loginUrl, username: 'ann@demo.example', password: 'Imp0rted-from-Chrome!' };
    const csvFile = join(out, 'chrome-passwords.csv');
    const csvRows = [
      ['name', 'url', 'username', 'password', 'note'],
      [credential.title, credential.url, credential.username, credential.password, 'the login the demo fills in Firefox'],
      ['Mail', 'https://mail.example.com/login', 'ann', 'mail-pass-1', ''],
      ['Shop', 'https://shop.example.org/account', 'ann.b', 'sh0p,"quoted"', 'a comma and quotes'],
      ['News', 'https://news.example.net/', 'reader', 'n3ws', ''],
    ];
    await writeFile(csvFile, csvRows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')).join('\n') + '\n');

    await step('The mesh CLI creates a profile and an account', async (shoot, note) => {
      const created = await mesh(admin, 'profile', 'create', '--description', 'demo administration device');
      const account = await mesh(admin, 'account', 'create', ACCOUNT, '--service', svc!.url);
      accountUdf = account.accountUdf;
      note(`account ${account.address}, profile ${account.accountUdf}`);
      const page = (current = await chromium!.newPage());
      await (page.raw as PwPage).setContent(
        terminalHtml('mesh CLI (administration device)', [
          `$ mesh service start --data DATA --port ${new URL(svc!.url).port}`,
          `Mesh Service listening at ${svc!.url}`,
          '$ mesh profile create',
          `Profile created.  account profile ${created.accountUdf}`,
          `                  this device      ${created.deviceUdf}`,
          `$ mesh account create ${ACCOUNT} --service ${svc!.url}`,
          `Account ${account.address} created (profile ${account.accountUdf}).`,
        ]),
      );
      await shoot(page);
      await page.close();
    }, shown);

    await step('Chromium connects by PIN', async (shoot, note) => {
      note(`profile ${await connect(chromium!, shoot)}`);
    }, shown);

    await step('A Chrome CSV is imported in Chromium', async (shoot, note) => {
      const page = (current = await chromium!.openExtensionPage('import.html'));
      await page.waitFor(() => !!document.getElementById('file'), undefined, LONG);
      await (page.raw as PwPage).setInputFiles('#file', csvFile);
      await page.waitFor(() => !!document.querySelector('[data-testid=import-format]'), undefined, LONG);
      const format = await page.text('[data-testid=import-format]');
      if (!/Chrome/.test(format)) throw new Error(`detected format: ${format}`);
      await shoot(page, 'preview');
      await page.click('section button.primary');
      await page.waitFor(() => (document.querySelector('[data-testid=import-done]')?.textContent ?? '').length > 0, undefined, LONG);
      const done = await page.text('[data-testid=import-done]');
      await shoot(page, 'done');
      await syncNow(chromium!);
      // The administration device sees the imported logins on the service.
      const onService = (await mesh(admin, 'password', 'get', new URL(loginUrl).host)).entries as { username: string; password: string }[];
      if (!onService.some((e) => e.username === credential.username && e.password === credential.password)) throw new Error('the imported login is not on the service');
      note(`${done}; synced (the CLI admin reads it back)`);
    }, shown);

    firefox = await launchFirefox({ dist });
    // Under tsx (npm run demo), functions the harness serializes into pages may call esbuild's __name
    // helper (keepNames); the Firefox bridge page needs it defined. Harmless under vitest.
    for (const p of await firefox.browser.pages()) await p.evaluate('globalThis.__name ??= (f) => f').catch(() => undefined);

    await step('Firefox connects by PIN', async (shoot, note) => {
      await connect(firefox!, shoot);
      await syncNow(firefox!);
      const found = await find(firefox!, 'Demo Bank');
      if (!found.length) throw new Error('Firefox does not have the login imported in Chromium');
      note(`Firefox holds ${(await call<{ total: number }>(firefox!, 'search', { query: '' })).total} logins after its first sync`);
    }, shown);

    await step('A login page on localhost is filled in Firefox with the login imported in Chromium', async (shoot, note) => {
      const page = (current = await firefox!.newPage());
      await page.goto(loginUrl);
      await page.waitFor(() => document.documentElement.dataset.meshpass === 'ready', undefined, LONG);
      const tabId = await tabIdOf(firefox!, loginUrl);
      const popup = (current = await firefox!.openExtensionPage(`popup.html?tab=${tabId}`));
      await popup.waitFor(() => (document.querySelector('[data-testid=matches]')?.textContent ?? '').includes('Demo Bank'), undefined, LONG);
      await shoot(popup, 'popup');
      await popup.click('[data-testid=matches] button.primary'); // Fill
      await page.bringToFront();
      current = page;
      await page.waitFor((want: string) => (document.getElementById('pass') as HTMLInputElement).value === want, credential.password, LONG);
      const user = await page.evaluate(() => (document.getElementById('user') as HTMLInputElement).value);
      if (user !== credential.username) throw new Error(`username filled: ${user}`);
      await shoot(page, 'filled');
      await popup.close();
      note(`filled ${user} and the password into ${loginUrl}`);
    }, shown);

    await step('A conflicting edit is made in both browsers and resolved in the popup', async (shoot, note) => {
      const [inChromium] = await find(chromium!, 'Demo Bank');
      const [inFirefox] = await find(firefox!, 'Demo Bank');
      const input = (password: string) => ({ title: credential.title, url: credential.url, username: credential.username, password, notes: '' });
      // Both edit the same login while the service is down, so neither has seen the other's edit.
      await svc!.stop();
      await call(chromium!, 'credential-save', { id: inChromium.id, input: input('changed-in-Chromium') });
      await call(firefox!, 'credential-save', { id: inFirefox.id, input: input('changed-in-Firefox') });
      await svc!.restart();
      await call(chromium!, 'sync-now');
      await call(firefox!, 'sync-now');
      // Whichever synced second holds the conflict (a retry timer may have run in between).
      const conflicted = await pollUntil(async () => {
        for (const s of [firefox!, chromium!]) if ((await call<unknown[]>(s, 'conflicts')).length) return s;
        return undefined;
      }, 'a conflict in one of the browsers', LONG);
      const [conflict] = await call<{ id: string; mine: Record<string, string>; theirs: Record<string, string> }[]>(conflicted, 'conflicts');
      const popup = (current = await conflicted.openExtensionPage('popup.html'));
      await popup.waitFor(() => !!document.querySelector('.status button.link'), undefined, LONG);
      await popup.click('.status button.link'); // "1 conflict"
      await popup.waitFor(() => !!document.querySelector('fieldset.conflict .buttons button'), undefined, LONG);
      await popup.click('fieldset.conflict input[type=checkbox]'); // Show password (demo values)
      await shoot(popup, 'conflict');
      await popup.click('fieldset.conflict .buttons button'); // Keep mine
      await popup.waitFor(() => !document.querySelector('fieldset.conflict'), undefined, LONG);
      await shoot(popup, 'resolved');
      await popup.close();
      const kept = conflict.mine.Password;
      await syncNow(conflicted);
      const other = conflicted === firefox ? chromium! : firefox!;
      await syncNow(other);
      for (const s of [chromium!, firefox!]) {
        const [item] = await find(s, 'Demo Bank');
        const view = await call<{ password: string }>(s, 'credential-get', { id: item.id });
        if (view.password !== kept) throw new Error(`${s.browserName} has ${view.password}, expected ${kept}`);
        if ((await call<{ conflicts: number }>(s, 'status')).conflicts !== 0) throw new Error(`${s.browserName} still shows a conflict`);
      }
      note(`conflict shown in ${conflicted.browserName} (mine ${kept}, theirs ${conflict.theirs.Password}); kept "${kept}"; both browsers converged`);
    }, shown);

    await step('A bookmark added in Chromium appears in Firefox', async (shoot, note) => {
      const bookmark = { title: 'Mathematical Mesh', url: 'https://mathmesh.com/', path: 'Demo' };
      const popup = (current = await chromium!.openExtensionPage('popup.html'));
      await popup.waitFor(() => document.querySelectorAll('nav.tabs button').length >= 2, undefined, LONG);
      await popup.click('nav.tabs button:nth-child(2)'); // Bookmarks
      await popup.waitFor(() => !!document.querySelector('.searchbar button.primary'), undefined, LONG);
      await popup.click('.searchbar button.primary'); // Add
      await popup.waitFor(() => !!document.getElementById('b-url'), undefined, LONG);
      await popup.fill('#b-title', bookmark.title);
      await popup.fill('#b-url', bookmark.url);
      await popup.fill('#b-path', bookmark.path);
      await popup.click('form button[type=submit]');
      await popup.waitFor((t: string) => [...document.querySelectorAll('.row .title')].some((e) => e.textContent === t), bookmark.title, LONG);
      await shoot(popup, 'chromium');
      await popup.close();
      await syncNow(chromium!);
      await syncNow(firefox!);
      const there = (current = await firefox!.openExtensionPage('popup.html'));
      await there.waitFor(() => document.querySelectorAll('nav.tabs button').length >= 2, undefined, LONG);
      await there.click('nav.tabs button:nth-child(2)');
      await there.waitFor((t: string) => [...document.querySelectorAll('.row .title')].some((e) => e.textContent === t), bookmark.title, LONG);
      await shoot(there, 'firefox');
      await there.close();
      note(`"${bookmark.title}" (${bookmark.url}, folder ${bookmark.path}) synced through the Bookmark catalog`);
    }, shown);
  } catch (error) {
    // Setup outside a step failed (service, browsers): reported as a failed step.
    steps.push({ n: steps.length + 1, name: 'Demo setup', status: 'fail', ms: 0, screenshots: [], error: error instanceof Error ? error.message : String(error) });
    log(`✗ demo setup: ${steps.at(-1)!.error}`);
  } finally {
    await chromium?.close().catch(() => undefined);
    await firefox?.close().catch(() => undefined);
    await site?.close().catch(() => undefined);
    await svc?.dispose().catch(() => undefined);
    for (const c of cleanup) await c().catch(() => undefined);
  }

  const report: DemoReport = {
    startedAt: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    passed: steps.length > 0 && steps.every((s) => s.status === 'pass'),
    steps,
    out,
  };
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'index.html'), reportHtml(report));
  log(`${report.passed ? 'All steps passed' : 'Some steps FAILED'} in ${report.seconds} s; report: ${join(out, 'index.html')}`);
  return report;
}

export function reportHtml(r: DemoReport): string {
  const rows = r.steps
    .map(
      (s) => `<tr class="${s.status}"><td>${s.n}</td><td>${escape(s.name)}${s.detail ? `<div class="d">${escape(s.detail)}</div>` : ''}${s.error ? `<div class="e">${escape(s.error)}</div>` : ''}</td>
<td class="st">${s.status}</td><td>${(s.ms / 1000).toFixed(1)} s</td><td>${s.screenshots.map((f) => `<a href="${escape(f)}"><img src="${escape(f)}" alt="${escape(`${s.name}: ${f}`)}" loading="lazy"></a>`).join('')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MeshPass demo</title><style>
body{font:15px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:8px;vertical-align:top;text-align:left}img{height:120px;margin:0 6px 6px 0;border:1px solid #ccc}
.st{font-weight:600}.pass .st{color:#176a2a}.fail .st{color:#b00020}.skipped .st{color:#888}.d{color:#555;font-size:13px}.e{color:#b00020;font-size:13px;white-space:pre-wrap}</style></head>
<body><h1>MeshPass demo</h1><p>${escape(r.startedAt)} · ${r.seconds} s · <strong>${r.passed ? 'all steps passed' : 'some steps failed'}</strong> ·
the mesh CLI, a Mesh Service on 127.0.0.1, headless Chromium and Firefox ESR with the MeshPass test build.</p>
<table><thead><tr><th>#</th><th>step</th><th>result</th><th>time</th><th>screenshots</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = parseArgs(process.argv.slice(2), ['out']);
  const report = await runDemo({ out: typeof args.options.out === 'string' ? args.options.out : undefined });
  process.exit(report.passed ? 0 : 1);
}
