import { describe, expect, it } from 'vitest';
import { credentialFields } from '../../../src/mesh/catalog/credential.ts';
import { editsForPlan, existingFromCatalog, planImport, siteOf, toCredentialInput, type ExistingCredential, type ImportRecord } from '../../../src/import/index.ts';

const rec = (title: string, url: string, username: string, password = 'pw'): ImportRecord => ({
  title,
  urls: url ? [url] : [],
  username,
  password,
  notes: '',
  totp: '',
  folder: '',
});

const existing: ExistingCredential[] = [
  { id: 'e1', urls: ['https://accounts.example.com'], username: 'alice@example.com' },
  { id: 'e2', urls: ['https://alice.github.io'], username: 'alice' },
  { id: 'e3', urls: [], username: 'router', title: 'Home router' },
];

describe('siteOf: the registrable domain, private suffixes included', () => {
  it.each([
    ['https://login.accounts.example.com/x', 'example.com'],
    ['https://www.example.co.uk', 'example.co.uk'],
    ['https://alice.github.io/app', 'alice.github.io'],
    ['example.org/login', 'example.org'],
    ['http://192.168.1.10:8080/', '192.168.1.10:8080'],
    ['http://localhost:3000', 'localhost:3000'],
    ['ssh://build.example.internal/', 'ssh://build.example.internal'],
    ['androidapp://com.example.mail/', 'androidapp://com.example.mail'],
    ['', undefined],
  ])('%s → %s', (url, site) => expect(siteOf(url)).toBe(site));
});

describe('planImport', () => {
  const records = [
    rec('Example', 'https://www.example.com/login', 'Alice@Example.com', 'new'), // duplicate of e1 (same base domain, username ignoring case)
    rec('Bob at Example', 'https://example.com', 'bob'), // same site, other user: new
    rec('Other Pages', 'https://bob.github.io', 'alice'), // other site under a private suffix: new
    rec('Home router', '', 'router', 'r2'), // no URL: matched by title, duplicate of e3
    rec('Fresh', 'https://fresh.example.net', 'carol'),
  ];

  it('skip: duplicates are left out, the rest is added', () => {
    const plan = planImport(records, existing, 'skip');
    expect(plan.adds).toEqual([records[1], records[2], records[4]]);
    expect(plan.updates).toEqual([]);
    expect(plan.skipped).toEqual([
      { index: 0, record: records[0], reason: 'duplicate', duplicateOf: 'e1' },
      { index: 3, record: records[3], reason: 'duplicate', duplicateOf: 'e3' },
    ]);
    expect(plan.duplicates).toEqual([
      { index: 0, existingId: 'e1' },
      { index: 3, existingId: 'e3' },
    ]);
  });

  it('replace: duplicates update the existing entries', () => {
    const plan = planImport(records, existing, 'replace');
    expect(plan.adds).toEqual([records[1], records[2], records[4]]);
    expect(plan.updates).toEqual([
      { id: 'e1', record: records[0] },
      { id: 'e3', record: records[3] },
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('keep-both: everything is added', () => {
    const plan = planImport(records, existing, 'keep-both');
    expect(plan.adds).toEqual(records);
    expect(plan.duplicates.map((d) => d.existingId)).toEqual(['e1', 'e3']);
  });

  it('per-record decisions from the preview override the default', () => {
    const plan = planImport(records, existing, { policy: 'skip', decisions: { 0: 'replace' } });
    expect(plan.updates).toEqual([{ id: 'e1', record: records[0] }]);
    expect(plan.skipped.map((s) => s.index)).toEqual([3]);
  });

  it('an entry is replaced once; a second record for it is added rather than lost', () => {
    const twice = [rec('A', 'https://example.com', 'alice@example.com', 'one'), rec('B', 'https://example.com/x', 'alice@example.com', 'two')];
    const plan = planImport(twice, existing, 'replace');
    expect(plan.updates).toEqual([{ id: 'e1', record: twice[0] }]);
    expect(plan.adds).toEqual([twice[1]]);
  });

  it('a login repeated within the file with the same password is imported once', () => {
    const repeated = [rec('A', 'https://new.example', 'u', 'p'), rec('A again', 'https://www.new.example', 'u', 'p'), rec('A other pw', 'https://new.example', 'u', 'q')];
    const plan = planImport(repeated, [], 'skip');
    expect(plan.adds).toEqual([repeated[0], repeated[2]]);
    expect(plan.skipped).toEqual([{ index: 1, record: repeated[1], reason: 'repeated-in-file' }]);
  });

  it('matches any of a login\'s URLs', () => {
    const multi = { ...rec('M', 'https://unrelated.example', 'alice'), urls: ['https://unrelated.example', 'https://alice.github.io/'] };
    expect(planImport([multi], existing, 'skip').skipped[0].duplicateOf).toBe('e2');
  });

  it('adapts catalog credentials, with every URL they hold', () => {
    const fields = credentialFields({ site: 'https://accounts.example.com/login', username: 'alice@example.com', password: 'p', title: 'Example', urls: ['https://sso.example.org'] });
    expect(existingFromCatalog('u1', fields)).toEqual({
      id: 'u1',
      urls: ['https://accounts.example.com/login', 'https://sso.example.org'],
      username: 'alice@example.com',
      title: 'Example',
    });
    expect(existingFromCatalog('u2', { Username: 'x' })).toEqual({ id: 'u2', urls: [], username: 'x', title: undefined });
  });

  it('turns records into catalog input and back without losing the match', () => {
    const r: ImportRecord = { title: 'T', urls: ['https://a.example.com/x', 'https://b.example.org'], username: 'u', password: 'p', notes: 'n', totp: 'JBSWY3DPEHPK3PXP', folder: 'F/G' };
    expect(toCredentialInput(r)).toEqual({ site: 'https://a.example.com/x', urls: ['https://b.example.org'], username: 'u', password: 'p', title: 'T', notes: 'n', totp: 'JBSWY3DPEHPK3PXP', folder: 'F/G' });
    const stored = existingFromCatalog('id', credentialFields(toCredentialInput(r)));
    expect(planImport([r], [stored], 'skip').skipped).toEqual([{ index: 0, record: r, reason: 'duplicate', duplicateOf: 'id' }]);
  });

  it('editsForPlan: new entries, and replacements that take every imported field but keep Uid and match mode', () => {
    const old = { ...credentialFields({ site: 'https://shop.example.org/', username: 'bob', password: 'old', notes: 'old note', matchMode: 'host' }), Uid: 'MUID' };
    const incoming = rec('Shop', 'https://www.shop.example.org/login', 'bob', 'new');
    const fresh = rec('Fresh', 'https://fresh.example.net', 'carol');
    const plan = planImport([incoming, fresh], [existingFromCatalog('MUID', old)], 'replace');
    const edits = editsForPlan(plan, (id) => (id === 'MUID' ? old : undefined));
    expect(edits).toEqual([
      { event: 'New', fields: credentialFields(toCredentialInput(fresh)) },
      {
        uniqueId: 'MUID',
        event: 'Update',
        fields: { ...credentialFields({ site: 'https://www.shop.example.org/login', username: 'bob', password: 'new', title: 'Shop', matchMode: 'host' }), Uid: 'MUID' },
      },
    ]);
  });
});
