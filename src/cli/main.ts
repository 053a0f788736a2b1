// Entry point of the `mesh` CLI. Loads every module in ./commands and dispatches.
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, parseArgs, selectCommand, type Command, type CliContext } from './framework.ts';
import { MeshError } from '../mesh/errors.ts';
import '../service/native-sha512.ts'; // the core's SHA-512 through OpenSSL

async function loadCommands(): Promise<Command[]> {
  const dir = resolve(import.meta.dirname, 'commands');
  const all: Command[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/\.ts$/.test(f) || f.endsWith('.test.ts') || f.endsWith('.d.ts')) continue;
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { commands?: Command[] };
    if (mod.commands) all.push(...mod.commands);
  }
  return all;
}

function helpText(commands: Command[]): string {
  const lines = ['usage: mesh <command> [options]   (every command takes --json and --home DIR)', ''];
  for (const c of [...commands].sort((a, b) => a.usage.localeCompare(b.usage))) lines.push(`  ${c.usage.padEnd(58)} ${c.summary}`);
  return lines.join('\n');
}

function render(command: Command, result: unknown): string {
  if (command.human) return command.human(result);
  if (result === undefined || result === null) return '';
  if (typeof result === 'string') return result;
  return JSON.stringify(result, null, 2);
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const commands = await loadCommands();
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      process.stdout.write(helpText(commands) + '\n');
      return 0;
    }
    const selected = selectCommand(commands, argv);
    if (!selected) throw new CliError(`unknown command: mesh ${argv.filter((a) => !a.startsWith('--')).slice(0, 3).join(' ')} (try: mesh help)`, 2);
    const { command, rest } = selected;
    const args = parseArgs(rest, [...(command.valueOptions ?? []), 'home']);
    if (args.options.help) {
      process.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
      return 0;
    }
    delete args.options.json;
    const homeOpt = args.options.home;
    delete args.options.home;
    const ctx: CliContext = {
      home: typeof homeOpt === 'string' ? homeOpt : process.env.MESH_HOME || join(homedir(), '.mesh'),
      json,
      info: (line) => process.stderr.write(line + '\n'),
    };
    const result = await command.run(args, ctx);
    if (json) process.stdout.write(JSON.stringify(result ?? {}) + '\n');
    else {
      const text = render(command, result);
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
    return 0;
  } catch (e) {
    const known = e instanceof CliError || e instanceof MeshError;
    const message = e instanceof Error ? e.message : String(e);
    const code = e instanceof CliError ? e.exitCode : 1;
    if (json) process.stdout.write(JSON.stringify({ error: message, code: e instanceof MeshError ? e.code : 'error' }) + '\n');
    process.stderr.write(`mesh: ${known ? message : `internal error: ${message}`}\n`);
    if (!known && process.env.MESH_DEBUG) process.stderr.write(String((e as Error).stack) + '\n');
    return code;
  }
}
