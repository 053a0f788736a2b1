// The `mesh` CLI framework: commands are plain objects collected from src/cli/commands/*.ts.
// Each module exports `commands: Command[]`. The framework parses arguments, runs the command,
// and prints its result: as one JSON object with --json, else through the command's `human` formatter.

export interface ParsedArgs {
  /** Positional arguments after the command path. */
  positional: string[];
  /** --name value / --flag (true) / --no-flag (false). Repeated options keep the last value. */
  options: Record<string, string | boolean>;
}

export interface CliContext {
  /** The device's home directory (--home DIR, else MESH_HOME, else ~/.mesh). */
  home: string;
  json: boolean;
  /** Write a progress or prompt line to stderr (never mixed into --json stdout). */
  info(line: string): void;
}

export interface Command {
  /** Words that select the command, e.g. ['udf', 'digest']. */
  path: string[];
  /** One-line usage, e.g. 'mesh udf digest FILE [--sha3] [--bits N]'. */
  usage: string;
  summary: string;
  /** Names of options that take a value (others are boolean flags). */
  valueOptions?: string[];
  /** Returns the result object (printed as JSON with --json). */
  run(args: ParsedArgs, ctx: CliContext): Promise<unknown>;
  /** Human-readable rendering of the result; default prints strings as is and objects as JSON. */
  human?(result: unknown): string;
}

/** A failure that the CLI reports as one clear line and a non-zero exit. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export function parseArgs(argv: string[], valueOptions: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        options[a.slice(2, eq)] = a.slice(eq + 1);
        continue;
      }
      const name = a.slice(2);
      if (valueOptions.includes(name)) {
        const v = argv[i + 1];
        if (v === undefined) throw new CliError(`option --${name} needs a value`);
        options[name] = v;
        i++;
      } else if (name.startsWith('no-')) {
        options[name.slice(3)] = false;
      } else {
        options[name] = true;
      }
      continue;
    }
    positional.push(a);
  }
  return { positional, options };
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  if (v === undefined || v === false) return undefined;
  if (v === true) throw new CliError(`option --${name} needs a value`);
  return v;
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = option(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`option --${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export function requirePositional(args: ParsedArgs, index: number, name: string): string {
  const v = args.positional[index];
  if (v === undefined) throw new CliError(`missing ${name}`);
  return v;
}

/** Finds the command whose path is the longest prefix of argv's leading words. */
export function selectCommand(commands: Command[], argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.length <= argv.length && c.path.every((w, i) => argv[i] === w)) {
      if (!best || c.path.length > best.path.length) best = c;
    }
  }
  return best && { command: best, rest: argv.slice(best.path.length) };
}
