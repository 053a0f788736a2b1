// `npm start`: MeshPass for real, on this machine.
//   1. builds the extension into dist/ (`vite build`);
//   2. runs the Mesh Service on 127.0.0.1 with its on-disk store in DATA/service;
//   3. on first run creates a local administration device (the mesh CLI's home, DATA/admin) and an
//      account at that service; later runs reuse both (DATA/start.json remembers the address and port);
//   4. prints the account address and a one-time PIN, and answers PIN connection requests as long as it
//      runs (an administration device must process them);
//   5. with a display ($DISPLAY or $WAYLAND_DISPLAY) and /usr/bin/chromium, opens Chromium with MeshPass
//      loaded in a persistent profile (DATA/chromium); otherwise prints how to load dist/ in Chrome and
//      Firefox and connect them.
// Ctrl-C (SIGINT) or SIGTERM stops the browser, the admin loop and the service, and exits 0.
//
// Options: --data DIR (or MESHPASS_DATA; default ./data), --port N (first run; default 7380, or a free
// port when that one is taken; 0 = any free port), --address USER@DOMAIN (first run), --no-build,
// --no-browser, --poll-ms N (how often the admin device checks for connection requests; default 2000).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startService, type RunningService } from '../src/service/server.ts';
import { hasDevice, loadDevice, syncAll, writeFileAtomic } from '../src/cli/home.ts';
import { parseArgs, type CliContext, type Command } from '../src/cli/framework.ts';
import { commands as profileCommands } from '../src/cli/commands/profile.ts';
import { commands as accountCommands } from '../src/cli/commands/account.ts';
import { commands as deviceCommands } from '../src/cli/commands/device.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DEFAULT_PORT = 7380;
const CHROMIUM = process.env.MESHPASS_CHROMIUM ?? '/usr/bin/chromium';

interface StartState {
  address: string;
  port: number;
  accountUdf: string;
  adminDeviceUdf: string;
  created: string;
}

interface Options {
  data: string;
  port?: number;
  address?: string;
  build: boolean;
  browser: boolean;
  pollMs: number;
}

function options(argv: string[]): Options {
  const args = parseArgs(argv, ['data', 'port', 'address', 'poll-ms']);
  const text = (name: string) => (typeof args.options[name] === 'string' ? (args.options[name] as string) : undefined);
  const port = text('port') === undefined ? undefined : Number(text('port'));
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) fail('--port must be a port number (0: any free port)');
  const pollMs = Number(text('poll-ms') ?? 2000);
  if (!Number.isFinite(pollMs) || pollMs < 50) fail('--poll-ms must be a number of milliseconds (≥ 50)');
  const address = text('address')?.toLowerCase();
  if (address !== undefined && !/^[^@\s]+@[^@\s]+$/.test(address)) fail(`${address} is not an account address (user@domain)`);
  return {
    data: resolve(text('data') ?? process.env.MESHPASS_DATA ?? join(ROOT, 'data')),
    port,
    address,
    build: args.options.build !== false,
    browser: args.options.browser !== false,
    pollMs,
  };
}

function fail(message: string): never {
  console.error(`MeshPass: ${message}`);
  process.exit(1);
}

const say = (line = '') => console.log(line);

/** Runs one mesh CLI command (the CLI's own code) on the admin home; returns what --json would print. */
async function mesh(home: string, commands: Command[], path: string, argv: string[] = []): Promise<Record<string, unknown>> {
  const command = commands.find((c) => c.path.join(' ') === path);
  if (!command) throw new Error(`no mesh command ${path}`);
  const ctx: CliContext = { home, json: true, info: () => undefined };
  return (await command.run(parseArgs(argv, command.valueOptions ?? []), ctx)) as Record<string, unknown>;
}

function build(): void {
  say('Building the extension (vite build → dist/)…');
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail('the build failed (see above).');
}

function readState(file: string): StartState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StartState;
  } catch {
    fail(`${file} is damaged; remove it (and ${file.replace(/start\.json$/, '')}admin if you want a new account)`);
  }
}

async function listen(dataDir: string, port: number, fixed: boolean): Promise<RunningService> {
  try {
    return await startService({ dataDir, host: '127.0.0.1', port });
  } catch (e) {
    const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
    if (inUse && !fixed) {
      say(`Port ${port} is taken; using a free port instead.`);
      return startService({ dataDir, host: '127.0.0.1', port: 0 });
    }
    if (inUse) fail(`port ${port} is in use. The account and any connected browser know the service at this port: stop what uses it (another npm start?) and try again.`);
    throw e;
  }
}

/** The id Chromium gives an unpacked extension without a "key": derived from its absolute path. */
export function unpackedExtensionId(dir: string): string {
  const hex = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

function openChromium(dist: string, profile: string): ChildProcess {
  mkdirSync(profile, { recursive: true });
  const popup = `chrome-extension://${unpackedExtensionId(dist)}/popup.html`;
  const child = spawn(CHROMIUM, [`--user-data-dir=${profile}`, `--load-extension=${dist}`, `--disable-extensions-except=${dist}`, '--no-first-run', '--no-default-browser-check', popup], {
    stdio: 'ignore',
  });
  child.on('error', (e) => say(`Chromium did not start: ${e.message}`));
  return child;
}

function instructions(dist: string, address: string, serviceUrl: string, pin: string): string {
  return `
Load MeshPass in Chrome or Chromium:
  1. open chrome://extensions and switch on "Developer mode" (top right)
  2. click "Load unpacked" and choose ${dist}
  3. pin MeshPass to the toolbar (puzzle-piece menu) and click its icon

Load MeshPass in Firefox (128 ESR or later):
  1. open about:debugging#/runtime/this-firefox
  2. click "Load Temporary Add-on…" and choose ${join(dist, 'manifest.json')}
     (Firefox forgets temporary add-ons when it closes; load it again after a restart)
  3. click the MeshPass icon in the toolbar (extensions menu)

Connect the browser to the local account, in the MeshPass popup:
  "Connect to an existing Mesh"
    Account address: ${address}
    PIN:             ${pin}
    Advanced → Service URL: ${serviceUrl}
  then choose an unlock passphrase. A PIN connects one browser; this start prints a fresh one each time,
  and keeps answering connection requests while it runs (npm start must be running to connect).
`;
}

async function main(): Promise<void> {
  const opt = options(process.argv.slice(2));
  const dist = join(ROOT, 'dist');
  if (opt.build) build();
  else if (opt.browser && !existsSync(join(dist, 'manifest.json'))) fail('dist/ has no build: run without --no-build');

  mkdirSync(opt.data, { recursive: true, mode: 0o700 });
  const stateFile = join(opt.data, 'start.json');
  const adminHome = join(opt.data, 'admin');
  const saved = readState(stateFile);
  // The account knows its service by URL: keep the port it was created with (start.json, else the admin device).
  const knownUrl = hasDevice(adminHome) ? loadDevice(adminHome).account?.serviceUrl : undefined;
  const knownPort = saved?.port ?? (knownUrl ? Number(new URL(knownUrl).port) || undefined : undefined);
  const port = knownPort ?? opt.port ?? DEFAULT_PORT;
  if (knownPort !== undefined && opt.port !== undefined && opt.port !== knownPort) say(`Keeping port ${knownPort} (this data's account is registered there); --port ${opt.port} ignored.`);

  const running = await listen(join(opt.data, 'service'), port, knownPort !== undefined || (opt.port !== undefined && opt.port !== 0));
  const serviceUrl = running.url;
  const actualPort = Number(new URL(serviceUrl).port);

  // Everything below stops cleanly on Ctrl-C / SIGTERM.
  let stopping = false;
  let browser: ChildProcess | undefined;
  let loop: Promise<void> = Promise.resolve();
  let setup: Promise<unknown> = Promise.resolve();
  let wake: (() => void) | undefined;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      console.error('MeshPass: stopping at once.');
      process.exit(1);
    }
    stopping = true;
    say(`\n${signal}: stopping MeshPass…`);
    wake?.();
    if (browser && browser.exitCode === null && browser.signalCode === null) {
      const gone = new Promise((r) => browser!.once('exit', r));
      browser.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    await setup.catch(() => undefined);
    await loop.catch(() => undefined);
    await running.close();
    say('Stopped. The data stays in ' + opt.data + '; npm start again picks it up.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // The administration device and the account: created once, reused afterwards.
  let state = saved;
  const account = hasDevice(adminHome) ? loadDevice(adminHome).account : undefined;
  if (state && account) {
    say(`Using account ${state.address} (created ${state.created}).`);
  } else {
    say('First run: creating an administration device and an account…');
    let finish!: () => void;
    setup = new Promise<void>((r) => (finish = r));
    if (!hasDevice(adminHome)) {
      await mesh(adminHome, profileCommands, 'profile create', ['--description', 'MeshPass npm start (administration device)']);
    }
    const address = account?.address ?? state?.address ?? opt.address ?? `${(userInfo().username || 'me').toLowerCase().replace(/[^a-z0-9._-]/g, '') || 'me'}@meshpass.local`;
    if (!account) await mesh(adminHome, accountCommands, 'account create', [address, '--service', serviceUrl]);
    const device = loadDevice(adminHome);
    state = { address, port: actualPort, accountUdf: device.account!.accountUdf, adminDeviceUdf: device.device.udf, created: new Date().toISOString() };
    writeFileAtomic(stateFile, JSON.stringify(state, null, 2) + '\n');
    say(`Created account ${address} and this machine's administration device.`);
    finish();
  }
  if (stopping) return;
  let pin: { pin: string; expires: string };
  try {
    pin = (await mesh(adminHome, deviceCommands, 'device pin')) as { pin: string; expires: string };
  } catch (e) {
    if (stopping) return; // interrupted while the PIN was being issued
    throw e;
  }

  say('');
  say(`Mesh Service  ${serviceUrl}   (data: ${join(opt.data, 'service')})`);
  say(`Account       ${state.address}`);
  say(`Profile       ${state.accountUdf}   (the popup shows it: compare)`);
  say(`PIN           ${pin.pin}   (one browser; valid until ${pin.expires})`);
  say(`Admin device  mesh CLI home ${adminHome}   (npx mesh --home ${adminHome} device list)`);

  const display = !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (opt.browser && display && existsSync(CHROMIUM)) {
    const profile = join(opt.data, 'chromium');
    browser = openChromium(dist, profile);
    say('');
    say(`Opened Chromium with MeshPass (profile ${profile}). In its popup: "Connect to an existing Mesh",`);
    say(`address ${state.address}, PIN ${pin.pin}, Advanced → Service URL ${serviceUrl}.`);
    say('To use Firefox as well, see the steps below.');
    say(instructions(dist, state.address, serviceUrl, pin.pin));
  } else {
    if (opt.browser) say(display ? `\n(${CHROMIUM} not found: load the extension by hand.)` : '\n(No display: load the extension by hand.)');
    say(instructions(dist, state.address, serviceUrl, pin.pin));
  }

  // The admin loop: sync and answer PIN requests; report requests that need approval.
  const seenPending = new Set<string>();
  loop = (async () => {
    while (!stopping) {
      try {
        const { connections } = await syncAll(adminHome);
        for (const d of connections?.accepted ?? []) say(`Connected a device by PIN: ${d}`);
        for (const r of connections?.pending ?? []) {
          if (seenPending.has(r.id)) continue;
          seenPending.add(r.id);
          say(`Connection request without PIN, verification code ${r.witness}: compare with the browser, then`);
          say(`  npx mesh --home ${adminHome} device accept ${r.id}`);
        }
      } catch (e) {
        if (!stopping) say(`(admin sync: ${(e as Error).message})`);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, opt.pollMs).unref();
      });
    }
  })();
  say(`MeshPass is running. Ctrl-C stops it.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
}
