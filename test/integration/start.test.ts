// `npm start` (scripts/start.ts) run twice on one data dir, without the build and the browser:
// the first run creates the administration device and the account and prints its address and a PIN;
// the service answers Hello; a new device connects with the printed PIN (the start's admin loop
// answers it); SIGINT exits 0; the second run reuses the account, the admin device and the port.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MeshClient } from '../../src/mesh/client.ts';
import { meshProcess } from './cli-helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const data = mkdtempSync(join(tmpdir(), 'meshpass-start-'));
const device = mkdtempSync(join(tmpdir(), 'meshpass-start-device-'));

interface Started {
  child: ChildProcess;
  output: () => string;
  address: string;
  serviceUrl: string;
  pin: string;
}

/** Starts scripts/start.ts and waits for "MeshPass is running" (generous: the machine is shared). */
function start(...extra: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/start.ts'), '--no-build', '--no-browser', '--data', data, '--poll-ms', '250', ...extra], {
    cwd: ROOT,
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((done, failed) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      failed(new Error(`npm start did not get ready in 90 s:\n${out}`));
    }, 90_000);
    const onData = () => {
      if (!out.includes('MeshPass is running')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const field = (name: string) => new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '';
      done({ child, output: () => out, address: field('Account'), serviceUrl: field('Mesh Service'), pin: field('PIN') });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      failed(new Error(`npm start exited with ${code} before it was ready:\n${out}`));
    });
  });
}

function interrupt(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.once('exit', (code) => done(code));
    child.kill('SIGINT');
  });
}

async function hello(address: string, serviceUrl: string): Promise<string> {
  return (await new MeshClient({ accountAddress: address, serviceUrl }).hello()).profileUdf;
}

let running: ChildProcess | undefined;
afterAll(async () => {
  if (running && running.exitCode === null) running.kill('SIGKILL');
  await rm(data, { recursive: true, force: true });
  await rm(device, { recursive: true, force: true });
});

describe('npm start', () => {
  let first: Started;
  let adminDevice: string;

  it('first run: creates the account, prints address and PIN, serves Hello, connects a device by PIN, stops on SIGINT', async () => {
    first = await start('--port', '0', '--address', 'newcomer@meshpass.local');
    running = first.child;
    expect(first.output()).toContain('Created account newcomer@meshpass.local');
    expect(first.address).toBe('newcomer@meshpass.local');
    expect(first.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/mmm\/$/);
    expect(first.pin).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{2,4})+$/);
    // Without a display it says how to load dist/ in both browsers and how to connect.
    expect(first.output()).toContain('chrome://extensions');
    expect(first.output()).toContain('about:debugging#/runtime/this-firefox');
    expect(first.output()).toContain(`Advanced → Service URL: ${first.serviceUrl}`);
    expect(await hello(first.address, first.serviceUrl)).toMatch(/^[A-Z2-7]{4}-/);

    // The printed PIN connects a new device with no other step: npm start's admin loop answers it.
    const r = await meshProcess(device, 'device', 'request', first.address, '--pin', first.pin, '--service', first.serviceUrl, '--interval-ms', '200', '--timeout', '90', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'connected', address: first.address });

    adminDevice = readFileSync(join(data, 'admin', 'device.json'), 'utf8');
    expect(await interrupt(first.child)).toBe(0);
    expect(first.output()).toContain('Stopped.');
    await expect(hello(first.address, first.serviceUrl)).rejects.toThrow();
  }, 180_000);

  it('second run: keeps the data, reuses the account, the admin device and the port', async () => {
    const second = await start();
    running = second.child;
    expect(second.output()).toContain(`Using account ${first.address}`);
    expect(second.output()).not.toContain('Created account');
    expect(second.address).toBe(first.address);
    expect(second.serviceUrl).toBe(first.serviceUrl);
    expect(await hello(second.address, second.serviceUrl)).toMatch(/^[A-Z2-7]{4}-/);
    expect(readFileSync(join(data, 'admin', 'device.json'), 'utf8')).toBe(adminDevice);
    expect(readdirSync(join(data, 'service', 'accounts'))).toHaveLength(1);
    // The device connected in the first run still syncs against the kept data.
    const synced = await meshProcess(device, 'password', 'add', 'https://kept.example/', 'u', 'p', '--json');
    expect(synced.code, synced.stderr).toBe(0);
    expect(await interrupt(second.child)).toBe(0);
  }, 180_000);
});
