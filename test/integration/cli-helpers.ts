// Drives `mesh` commands for the integration tests: in-process (fast) or as a real process.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, selectCommand, type Command } from '../../src/cli/framework.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let all: Command[] | undefined;

async function commands(): Promise<Command[]> {
  if (!all) {
    all = [];
    const dir = join(ROOT, 'src/cli/commands');
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.ts')) continue;
      const m = (await import(pathToFileURL(join(dir, f)).href)) as { commands?: Command[] };
      all.push(...(m.commands ?? []));
    }
  }
  return all;
}

/** Runs a command in this process; returns its result object (what --json prints) or throws. */
export async function mesh(home: string, ...argv: string[]): Promise<any> {
  const sel = selectCommand(await commands(), argv);
  if (!sel) throw new Error(`unknown command ${argv.join(' ')}`);
  const args = parseArgs(sel.rest, sel.command.valueOptions ?? []);
  return sel.command.run(args, { home, json: true, info: () => {} });
}

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/mesh.mjs ... --home HOME`. */
export function meshProcess(home: string, ...argv: string[]): Promise<Spawned> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/mesh.mjs'), ...argv, '--home', home], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}
