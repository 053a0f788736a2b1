import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';

const fixture = (name: string) => new URL(`../../fixtures/import/${name}`, import.meta.url).pathname;

async function mesh(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('mesh password import', () => {
  it('--dry-run --json prints the records with exactly the seven fields', async () => {
    const { code, stdout, stderr } = await mesh('password', 'import', fixture('safari.csv'), '--dry-run', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        title: 'example.com (dave@example.com)',
        urls: ['https://example.com/'],
        username: 'dave@example.com',
        password: 'Corr3ct-Horse',
        notes: '',
        totp: 'otpauth://totp/Example:dave%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
        folder: '',
      },
      { title: 'bank.example', urls: ['https://www.bank.example/online'], username: 'dave', password: 'B4nk!ng', notes: 'Customer no. 12345', totp: '', folder: '' },
    ]);
    expect(stderr).toBe('Safari CSV: 2 login(s)\n');
  });

  it('reads every kind of file (zip, XML) and honours --format', async () => {
    const pux = await mesh('password', 'import', fixture('1password.1pux'), '--dry-run', '--json');
    expect(JSON.parse(pux.stdout).map((r: { title: string }) => r.title)).toEqual(['Example Photos', 'Guest Wi-Fi', 'Example TV']);
    const xml = await mesh('password', 'import', fixture('keepass.xml'), '--format', 'keepass-xml', '--dry-run', '--json');
    expect(JSON.parse(xml.stdout).map((r: { folder: string }) => r.folder)).toEqual(['', 'Finance/Banks']);
  });

  it('a human dry run lists titles and usernames but never passwords', async () => {
    const { code, stdout } = await mesh('password', 'import', fixture('chrome.csv'), '--dry-run');
    expect(code).toBe(0);
    expect(stdout).toContain('Chrome, Edge, Brave or Opera CSV: 4 login(s)');
    expect(stdout).toContain('shop.example.org  bob  https://shop.example.org/login');
    expect(stdout).not.toContain('s3cr3t-Shop');
    expect(stdout).toContain('dry run: nothing was added');
  });

  it('an unknown CSV asks for --map, then imports with it', async () => {
    const asked = await mesh('password', 'import', fixture('generic-semicolon.csv'), '--dry-run');
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/match no known export; .* --map "password=Secret,username=Login,url=Site,notes=Comment"/);
    const mapped = await mesh('password', 'import', fixture('generic-semicolon.csv'), '--dry-run', '--json', '--map', 'url=Site,username=Login,password=Secret');
    expect(JSON.parse(mapped.stdout)).toEqual([
      { title: 'example.com', urls: ['https://example.com'], username: 'nina', password: 'N1na-pw', notes: '', totp: '', folder: '' },
      { title: 'example.org', urls: ['https://example.org'], username: 'nina2', password: 'semi;colon', notes: '', totp: '', folder: '' },
    ]);
  });

  it('errors are one line and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-import-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'name,url,username,password,note\na,b,c\n');
    expect(await mesh('password', 'import', bad, '--dry-run', '--json')).toMatchObject({ code: 1, stdout: '{"error":"line 2: expected 5 fields as in the header, found 3","code":"malformed"}\n' });
    const huge = join(dir, 'huge.csv');
    writeFileSync(huge, '');
    truncateSync(huge, 60 * 1024 * 1024);
    expect((await mesh('password', 'import', huge, '--dry-run')).stderr).toMatch(/huge\.csv is 60 MiB; the largest import is 50 MiB/);
    expect((await mesh('password', 'import', fixture('chrome.csv'), '--format', 'opera', '--dry-run')).stderr).toMatch(/unknown format "opera"/);
    expect((await mesh('password', 'import', join(dir, 'missing.csv'), '--dry-run')).stderr).toMatch(/cannot read/);
  });
});
