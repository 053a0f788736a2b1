import { describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../src/cli/commands/udf.ts';
import { parseArgs, CliError, type CliContext } from '../../src/cli/framework.ts';
import { MeshError } from '../../src/mesh/errors.ts';

const ctx: CliContext = { home: tmpdir(), json: true, info: () => {} };

async function run(words: string[], argv: string[]): Promise<Record<string, unknown>> {
  const cmd = commands.find((c) => c.path.join(' ') === words.join(' '));
  if (!cmd) throw new Error(`no command ${words.join(' ')}`);
  return (await cmd.run(parseArgs(argv, cmd.valueOptions), ctx)) as Record<string, unknown>;
}

describe('mesh udf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'udf-cli-'));
  const txt = join(dir, 'content.txt');
  writeFileSync(txt, 'UDF Content Data');

  test('digest: SHA-2 and SHA-3 at chosen precision, content type from the extension', async () => {
    expect(await run(['udf', 'digest'], [txt])).toMatchObject({ udf: 'MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4', contentType: 'text/plain' });
    expect((await run(['udf', 'digest'], [txt, '--sha3'])).udf).toBe('KCM5-7VB6-IJXJ-WKHX-NZQF-OKGZ-EWVN');
    expect((await run(['udf', 'digest'], [txt, '--bits', '200'])).udf).toHaveLength(49);
    await expect(run(['udf', 'digest'], [txt, '--bits', '130'])).rejects.toBeInstanceOf(MeshError);
    await expect(run(['udf', 'digest'], [join(dir, 'missing.txt')])).rejects.toBeInstanceOf(CliError);
    await expect(run(['udf', 'digest'], [])).rejects.toBeInstanceOf(CliError);
  });

  test('nonce', async () => {
    expect((await run(['udf', 'nonce'], [])).nonce).toMatch(/^N[A-Z2-7]{3}(-[A-Z2-7]{4}){6}$/);
  });

  test('share then recover, and the published 2-of-3 shares', async () => {
    const secret = 'EN5H-Y5QJ-W62O-7OEC-4VEK-YKSB-GU';
    const out = await run(['udf', 'share'], [secret, '--shares', '5', '--quorum', '3']);
    const shares = out.shares as string[];
    expect(shares).toHaveLength(5);
    expect((await run(['udf', 'recover'], [shares[4], shares[0], shares[2]])).secret).toBe(secret);
    const published = await run(['udf', 'recover'], ['SAQJ-Q3WI-I2VY-LJJL-4AOE-NO46-6P5T-Y', 'SARI-EV27-47XS-DBNE-F5HQ-TIME-Q5XR-O']);
    expect(published).toEqual({ secret, hex: '237A7C7609B7B4EFB882E548AC2A4135' });
    const hex = await run(['udf', 'share'], ['00112233445566778899AABBCCDDEEFF', '--hex', '--shares', '3', '--quorum', '2']);
    expect((await run(['udf', 'recover'], (hex.shares as string[]).slice(1))).hex).toBe('00112233445566778899AABBCCDDEEFF');
    await expect(run(['udf', 'share'], [secret, '--shares', '3'])).rejects.toBeInstanceOf(CliError);
    await expect(run(['udf', 'share'], [secret, '--shares', '3', '--quorum', '4'])).rejects.toBeInstanceOf(MeshError);
    await expect(run(['udf', 'recover'], [shares[0]])).rejects.toBeInstanceOf(MeshError);
  });

  test('parse', async () => {
    expect(await run(['udf', 'parse'], ['nA3F-EQAS-PCNR-B7T2-YC5T-GJLA-ZNRA'])).toMatchObject({ type: 104, kind: 'nonce', udf: 'NA3F-EQAS-PCNR-B7T2-YC5T-GJLA-ZNRA' });
  });
});
