// `mesh udf …`: fingerprints, nonces and Shamir shares from the command line.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { CliError, option, type Command, type ParsedArgs } from '../framework.ts';
import { fromHex, toHex } from '../../mesh/bytes.ts';
import { secretParse, secretPresent, udfDigest, udfNonce, udfParse } from '../../mesh/udf.ts';
import { recoverSecret, splitSecret } from '../../mesh/shamir.ts';

// Content type by file extension when --type is not given (the reference digests .txt as text/plain).
const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

function intOption(args: ParsedArgs, name: string, fallback?: number): number {
  const v = option(args, name);
  if (v === undefined) {
    if (fallback === undefined) throw new CliError(`option --${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(v)) throw new CliError(`option --${name} must be a whole number`);
  return Number(v);
}

async function readInput(file: string): Promise<Uint8Array> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parseSecretArg(text: string, hex: boolean): Uint8Array {
  if (hex) {
    const b = fromHex(text);
    if (b.length === 0) throw new CliError('the secret is empty');
    return b;
  }
  return secretParse(text);
}

export const commands: Command[] = [
  {
    path: ['udf', 'digest'],
    usage: 'mesh udf digest FILE [--sha3] [--bits N] [--type CONTENT-TYPE]',
    summary: 'content-digest UDF of a file (- reads stdin); content type from the extension unless given',
    valueOptions: ['bits', 'type'],
    async run(args) {
      const file = args.positional[0];
      if (!file || args.positional.length > 1) throw new CliError('usage: mesh udf digest FILE [--sha3] [--bits N] [--type CONTENT-TYPE]', 2);
      const contentType = option(args, 'type') ?? TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const alg = args.options.sha3 === true ? 'sha3' : 'sha2';
      const bits = intOption(args, 'bits', 140);
      const data = await readInput(file);
      return { udf: udfDigest(data, contentType, { alg, bits }), contentType, algorithm: alg === 'sha3' ? 'SHA-3-512' : 'SHA-2-512', bits };
    },
    human: (r) => (r as { udf: string }).udf,
  },
  {
    path: ['udf', 'nonce'],
    usage: 'mesh udf nonce [--bits N]',
    summary: 'a fresh random nonce UDF (132 bits by default)',
    valueOptions: ['bits'],
    async run(args) {
      return { nonce: udfNonce(intOption(args, 'bits', 132)) };
    },
    human: (r) => (r as { nonce: string }).nonce,
  },
  {
    path: ['udf', 'share'],
    usage: 'mesh udf share SECRET --shares N --quorum K [--hex]',
    summary: 'split a secret (Base32, or hex with --hex) into N Shamir shares, any K of which recover it',
    valueOptions: ['shares', 'quorum'],
    async run(args) {
      const text = args.positional[0];
      if (!text || args.positional.length > 1) throw new CliError('usage: mesh udf share SECRET --shares N --quorum K [--hex]', 2);
      const secret = parseSecretArg(text, args.options.hex === true);
      const count = intOption(args, 'shares');
      const quorum = intOption(args, 'quorum');
      return { shares: splitSecret(secret, count, quorum), quorum, count };
    },
    human: (r) => (r as { shares: string[] }).shares.join('\n'),
  },
  {
    path: ['udf', 'recover'],
    usage: 'mesh udf recover SHARE...',
    summary: 'recover a secret from a quorum of Shamir shares',
    async run(args) {
      if (args.positional.length === 0) throw new CliError('usage: mesh udf recover SHARE...', 2);
      const secret = recoverSecret(args.positional);
      return { secret: secretPresent(secret), hex: toHex(secret).toUpperCase() };
    },
    human: (r) => (r as { secret: string }).secret,
  },
  {
    path: ['udf', 'parse'],
    usage: 'mesh udf parse UDF',
    summary: 'show the type and octets of a UDF',
    async run(args) {
      const text = args.positional[0];
      if (!text || args.positional.length > 1) throw new CliError('usage: mesh udf parse UDF', 2);
      const p = udfParse(text);
      return { udf: p.text, type: p.type, kind: p.kind, bits: p.bits, hex: toHex(p.bytes).toUpperCase() };
    },
  },
];
