// Starts a real Mesh Service process on a random loopback port with a temp data dir, for e2e and
// integration tests. `kill9()` simulates a crash; `restart()` starts it again on the same port
// and data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface ServiceProcess {
  /** e.g. http://127.0.0.1:41234/.well-known/mmm/ */
  url: string;
  dataDir: string;
  readonly pid: number;
  /** Collected stderr log lines of the current process. */
  log: string[];
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** kill -9. */
  kill9(): Promise<void>;
  /** Start again on the same port and data dir (after stop or kill9), with `env` for the new process. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Stop and delete the data dir (unless it was given). */
  dispose(): Promise<void>;
}

export interface StartServiceOptions {
  /** Reuse a data dir; default a fresh temp dir, deleted by dispose(). */
  dataDir?: string;
  port?: number;
  /** Extra command-line arguments for src/service/main.ts. */
  args?: string[];
  timeoutMs?: number;
  /** Extra environment (e.g. MESH_SERVICE_CRASH_POINT for crash tests). */
  env?: Record<string, string>;
}

function launch(dataDir: string, port: number, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; log: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/service/main.ts'), '--data', dataDir, '--port', String(port), '--host', '127.0.0.1', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => log.push(...d.split('\n').filter(Boolean)));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start within ${timeoutMs} ms: ${log.join('\n')}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /MESH_SERVICE_URL (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: m[1], log });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before starting: ${log.join('\n')}`));
    });
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));

export async function startServiceProcess(opts: StartServiceOptions = {}): Promise<ServiceProcess> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'mesh-service-'));
  const args = opts.args ?? ['--quiet'];
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let { child, url, log } = await launch(dataDir, opts.port ?? 0, args, timeoutMs, opts.env);
  const port = Number(new URL(url).port);
  const sp: ServiceProcess = {
    url,
    dataDir,
    get pid() {
      return child.pid ?? -1;
    },
    log,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart(env?: Record<string, string>) {
      if (child.exitCode === null && child.signalCode === null) await sp.stop();
      ({ child, url, log } = await launch(dataDir, port, args, timeoutMs, env));
      sp.url = url;
      sp.log = log;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return sp;
}
