// The CLI device's home directory: its DeviceState (private keys: file mode 0600, the CLI being an
// administration device), the synced stores (FileSyncLocal) and a pending connection request.
// Every state file is replaced atomically (write, fsync, rename); frames are appended.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, chmodSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { promises as dns } from 'node:dns';
import { MeshError } from '../mesh/errors.ts';
import { parseDeviceState, serializeDeviceState, type DeviceState } from '../mesh/device.ts';
import type { ConfirmedFrame, PendingEdit, StoreCommit, StoreSyncState, SyncLocal } from '../mesh/sync-local.ts';
import type { PendingConnection } from '../mesh/connect.ts';
import { MeshSession, type SessionOptions } from '../mesh/sync-session.ts';
import type { SyncReport } from '../mesh/sync.ts';
import type { CredentialInput } from '../mesh/catalog/credential.ts';
import { CliError } from './framework.ts';
import { processConnections, type ProcessReport } from '../mesh/connect-flow.ts';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Atomically replaces `path` with `text` (mode 0600). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

const devicePath = (home: string) => join(home, 'device.json');
const connectPath = (home: string) => join(home, 'connect.json');

export function hasDevice(home: string): boolean {
  return existsSync(devicePath(home));
}

export function loadDevice(home: string): DeviceState {
  if (!hasDevice(home)) throw new CliError(`no Mesh device in ${home} (run: mesh profile create, or mesh device request)`);
  return parseDeviceState(readFileSync(devicePath(home), 'utf8'));
}

export function saveDevice(home: string, state: DeviceState): void {
  ensureDir(home);
  writeFileAtomic(devicePath(home), serializeDeviceState(state));
  chmodSync(devicePath(home), FILE_MODE);
}

export function loadPendingConnection(home: string): PendingConnection | undefined {
  return existsSync(connectPath(home)) ? (JSON.parse(readFileSync(connectPath(home), 'utf8')) as PendingConnection) : undefined;
}

export function savePendingConnection(home: string, p: PendingConnection | undefined): void {
  ensureDir(home);
  if (p) writeFileAtomic(connectPath(home), JSON.stringify(p));
  else if (existsSync(connectPath(home))) writeFileAtomic(connectPath(home), 'null');
}

/**
 * SyncLocal on files: `stores/<Store>/frames.jsonl` (append-only, one confirmed frame per line) and
 * `stores/<Store>/state.json` ({state, pending}, replaced atomically). The state names how many
 * frames are confirmed; extra lines left by a crash between the two writes are ignored and
 * overwritten, so a commit is all or nothing.
 */
export class FileSyncLocal implements SyncLocal {
  private frameCache = new Map<string, ConfirmedFrame[]>();
  /** Lines in frames.jsonl (a crash may have left more than the state confirms). */
  private diskLines = new Map<string, number>();

  constructor(readonly home: string) {}

  private dir(store: string): string {
    if (!/^[A-Za-z]+$/.test(store)) throw new MeshError('malformed', `bad store name ${store}`);
    return join(this.home, 'stores', store);
  }

  private readStateFile(store: string): { state: StoreSyncState; pending: PendingEdit[] } | undefined {
    const p = join(this.dir(store), 'state.json');
    if (!existsSync(p)) return undefined;
    return JSON.parse(readFileSync(p, 'utf8')) as { state: StoreSyncState; pending: PendingEdit[] };
  }

  async loadState(store: string) {
    return this.readStateFile(store)?.state;
  }

  async loadFrames(store: string): Promise<ConfirmedFrame[]> {
    const cached = this.frameCache.get(store);
    if (cached) return cached.slice();
    const count = this.readStateFile(store)?.state.count ?? 0;
    const p = join(this.dir(store), 'frames.jsonl');
    const frames: ConfirmedFrame[] = [];
    let lines = 0;
    if (existsSync(p)) {
      for (const line of readFileSync(p, 'utf8').split('\n')) {
        if (!line) continue;
        lines++;
        if (frames.length < count) frames.push(JSON.parse(line) as ConfirmedFrame);
      }
    }
    this.diskLines.set(store, lines);
    this.frameCache.set(store, frames);
    return frames.slice();
  }

  async loadFrame(store: string, index: number) {
    return (await this.loadFrames(store))[index];
  }

  async loadPending(store: string) {
    return this.readStateFile(store)?.pending ?? [];
  }

  async commit(store: string, c: StoreCommit): Promise<void> {
    const dir = this.dir(store);
    ensureDir(dir);
    const frames = await this.loadFrames(store);
    const p = join(dir, 'frames.jsonl');
    if (c.append.length) {
      // Rewrite when a crash left lines beyond the confirmed count; else append.
      const onDisk = this.diskLines.get(store) ?? 0;
      const text = c.append.map((f) => JSON.stringify(f)).join('\n') + '\n';
      if (onDisk !== frames.length) writeFileAtomic(p, frames.map((f) => JSON.stringify(f) + '\n').join('') + text);
      else {
        appendFileSync(p, text, { mode: FILE_MODE });
        const fd = openSync(p, 'r');
        fsyncSync(fd);
        closeSync(fd);
      }
      frames.push(...c.append);
      this.frameCache.set(store, frames);
      this.diskLines.set(store, frames.length);
    }
    writeFileAtomic(join(dir, 'state.json'), JSON.stringify({ state: c.state, pending: c.pending }));
  }
}

/** Service discovery by DNS SRV (`_mmm._tcp.<domain>`) when no explicit service URL is given. */
export const cliClientOptions = { resolveSrv: (name: string) => dns.resolveSrv(name) };

/** Opens the connected device's session on its home. */
export async function openSession(home: string, opts: SessionOptions = {}): Promise<MeshSession> {
  const state = loadDevice(home);
  if (!state.account) throw new CliError('this device is not connected to an account (mesh account create, or mesh device request)');
  return MeshSession.open(state, new FileSyncLocal(home), { onStateChange: (s) => saveDevice(home, s), clientOptions: cliClientOptions, ...opts });
}

/** Opens the session and syncs every store. */
export async function syncHome(home: string, opts: SessionOptions = {}): Promise<{ session: MeshSession; report: SyncReport }> {
  const session = await openSession(home, opts);
  const report = await session.sync();
  return { session, report };
}

/** For importers: adds credentials to the catalog and syncs them (batches share a key exchange). */
export async function addCredentials(home: string, inputs: CredentialInput[], opts: SessionOptions = {}): Promise<{ added: number; uniqueIds: string[]; report: SyncReport }> {
  const session = await openSession(home, opts);
  await session.sync();
  const edits = await session.addCredentials(inputs);
  const report = await session.sync();
  return { added: edits.length, uniqueIds: edits.map((e) => e.uniqueId), report };
}

/**
 * What every command that needs the service does first: sync all stores and, on an administration
 * device, answer PIN connection requests at once (so a device with a valid PIN needs no admin step
 * beyond an administrator running any command, or `mesh profile sync`).
 */
export async function syncAll(home: string, opts: SessionOptions = {}): Promise<{ session: MeshSession; report: SyncReport; connections?: ProcessReport }> {
  const { session, report } = await syncHome(home, opts);
  let connections: ProcessReport | undefined;
  if (session.state.admin) connections = await processConnections(session);
  return { session, report, connections };
}
