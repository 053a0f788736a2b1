import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { baseDomain, isUsable, matchGroup, matchUrl, originOf, siteKey, MATCH_MODES, type MatchMode, type MatchOutcome } from '../../src/mesh/match.ts';

type Row = [credential: string, page: string, mode: MatchMode, outcome: MatchOutcome];

const rows: Row[] = [
  // base domain (default)
  ['https://example.com', 'https://example.com/login', 'domain', 'match'],
  ['https://example.com', 'https://accounts.example.com/signin', 'domain', 'match'],
  ['https://www.example.com/login', 'https://example.com/', 'domain', 'match'],
  ['https://example.com', 'https://example.org', 'domain', 'no-match'],
  ['https://example.com', 'https://example.com.evil.net', 'domain', 'no-match'],
  ['https://example.com', 'https://notexample.com', 'domain', 'no-match'],
  ['https://a.b.example.co.uk', 'https://login.example.co.uk', 'domain', 'match'],
  ['https://example.co.uk', 'https://other.co.uk', 'domain', 'no-match'],
  ['https://example.com:8443', 'https://example.com', 'domain', 'match'],
  // private suffixes: every github.io user is its own site
  ['https://alice.github.io', 'https://alice.github.io/app', 'domain', 'match'],
  ['https://alice.github.io', 'https://mallory.github.io', 'domain', 'no-match'],
  ['https://github.io', 'https://alice.github.io', 'domain', 'no-match'],
  ['https://foo.blogspot.com', 'https://bar.blogspot.com', 'domain', 'no-match'],
  // IP addresses and localhost: one host and one port
  ['http://192.168.1.1', 'http://192.168.1.1/admin', 'domain', 'match'],
  ['http://192.168.1.1', 'http://192.168.1.2', 'domain', 'no-match'],
  ['http://192.168.1.1', 'http://1.168.1.1', 'domain', 'no-match'],
  ['http://10.0.0.1:8080', 'http://10.0.0.1:9090', 'domain', 'no-match'],
  ['http://[::1]:3000', 'http://[::1]:3000/x', 'domain', 'match'],
  ['http://localhost:3000', 'http://localhost:3000/login', 'domain', 'match'],
  ['http://localhost:3000', 'http://localhost:8080/login', 'domain', 'no-match'],
  ['http://localhost', 'http://127.0.0.1', 'domain', 'no-match'],
  ['http://app1.localhost', 'http://app2.localhost', 'domain', 'no-match'],
  ['http://nas', 'http://nas/login', 'domain', 'match'],
  ['http://nas', 'http://router', 'domain', 'no-match'],
  // punycode / IDN: both spellings are one host
  ['https://bücher.de', 'https://xn--bcher-kva.de/konto', 'domain', 'match'],
  ['https://shop.xn--bcher-kva.de', 'https://bücher.de', 'domain', 'match'],
  ['https://bücher.de', 'https://bucher.de', 'domain', 'no-match'],
  ['https://example.com.', 'https://example.com', 'domain', 'match'],
  ['HTTPS://EXAMPLE.COM', 'https://example.com', 'domain', 'match'],
  // host mode: same host and port
  ['https://accounts.example.com', 'https://accounts.example.com/x', 'host', 'match'],
  ['https://accounts.example.com', 'https://example.com', 'host', 'no-match'],
  ['https://example.com:8443', 'https://example.com', 'host', 'no-match'],
  ['https://example.com:443', 'https://example.com', 'host', 'match'],
  ['http://localhost:3000', 'http://localhost:3000/x', 'host', 'match'],
  // exact mode: same URL (fragment ignored)
  ['https://example.com/login?x=1', 'https://example.com/login?x=1#top', 'exact', 'match'],
  ['https://example.com/login', 'https://example.com/login?next=/', 'exact', 'no-match'],
  ['https://example.com/login', 'https://example.com/signin', 'exact', 'no-match'],
  ['https://example.com', 'https://example.com/', 'exact', 'match'],
  // never
  ['https://example.com', 'https://example.com', 'never', 'never'],
  // schemes: upgrade allowed, downgrade needs confirmation, others never
  ['http://example.com', 'https://example.com', 'domain', 'match'],
  ['https://example.com', 'http://example.com', 'domain', 'needs-confirmation'],
  ['https://example.com', 'http://www.example.com', 'domain', 'needs-confirmation'],
  ['https://example.com', 'http://example.org', 'domain', 'no-match'],
  ['http://example.com/a', 'https://example.com/a', 'exact', 'match'],
  ['https://example.com/a', 'http://example.com/a', 'exact', 'needs-confirmation'],
  ['https://example.com', 'file:///etc/passwd', 'domain', 'no-match'],
  ['https://example.com', 'chrome-extension://abc/popup.html', 'domain', 'no-match'],
  ['androidapp://com.example', 'https://example.com', 'domain', 'no-match'],
  ['javascript:alert(1)', 'https://example.com', 'domain', 'no-match'],
  // bare hosts as typed in entries mean https
  ['example.com', 'https://www.example.com', 'domain', 'match'],
  ['example.com/login', 'http://example.com', 'domain', 'needs-confirmation'],
  // garbage
  ['', 'https://example.com', 'domain', 'invalid'],
  ['https://exa mple.com', 'https://example.com', 'domain', 'invalid'],
  ['https://example.com', 'http://', 'domain', 'invalid'],
];

describe('matchUrl', () => {
  it.each(rows)('%s on %s (%s) → %s', (credential, page, mode, outcome) => {
    expect(matchUrl(credential, page, mode)).toBe(outcome);
  });

  it('defaults to the base-domain mode', () => {
    expect(matchUrl('https://example.com', 'https://login.example.com')).toBe('match');
  });

  it('isUsable accepts only match and needs-confirmation', () => {
    expect((['match', 'needs-confirmation', 'no-match', 'never', 'invalid'] as const).map(isUsable)).toEqual([true, true, false, false, false]);
  });
});

describe('baseDomain / siteKey / originOf', () => {
  it('gives the registrable domain with private suffixes on', () => {
    expect(baseDomain('https://a.b.example.co.uk/x')).toBe('example.co.uk');
    expect(baseDomain('https://alice.github.io')).toBe('alice.github.io');
    expect(baseDomain('https://github.io')).toBeNull();
    expect(baseDomain('http://127.0.0.1:8080')).toBeNull();
    expect(baseDomain('http://localhost')).toBeNull();
    expect(baseDomain('ftp://example.com')).toBeNull();
    expect(baseDomain('https://bücher.de')).toBe('xn--bcher-kva.de');
  });

  it('falls back to host:port for sites without a base domain', () => {
    expect(siteKey('https://www.example.com/login')).toBe('example.com');
    expect(siteKey('http://localhost:3000/x')).toBe('localhost:3000');
    expect(siteKey('http://192.168.1.1/')).toBe('192.168.1.1');
    expect(siteKey('http://[::1]:8080/')).toBe('::1:8080');
    expect(siteKey('not a url at all')).toBeNull();
  });

  it('gives origins', () => {
    expect(originOf('https://example.com:8443/a?b#c')).toBe('https://example.com:8443');
    expect(originOf('::')).toBeNull();
  });
});

describe('matchGroup', () => {
  it('is the last two host labels of a web URL', () => {
    expect(matchGroup('https://a.b.example.co.uk/x')).toBe('co.uk');
    expect(matchGroup('example.com/login')).toBe('example.com');
    expect(matchGroup('https://example.com.')).toBe('example.com');
    expect(matchGroup('http://localhost:3000')).toBe('localhost');
    expect(matchGroup('http://[::1]:8080/')).toBe('::1');
    expect(matchGroup('https://bücher.de')).toBe('xn--bcher-kva.de');
    expect(matchGroup('chrome-extension://abc/popup.html')).toBeNull();
    expect(matchGroup('')).toBeNull();
  });

  it('is shared by every credential and page that match (the worker looks up candidates by it)', () => {
    const label = fc.constantFrom('example', 'www', 'accounts', 'alice', 'bob', 'github', 'co', 'uk', 'xn--bcher-kva', 'bücher', 'EXAMPLE', 'localhost', 'nas');
    const suffix = fc.constantFrom('com', 'org', 'co.uk', 'github.io', 'blogspot.com', 'de', 'uk', '');
    const name = fc.tuple(fc.array(label, { maxLength: 3 }), suffix).map(([ls, s]) => [...ls, ...(s ? [s] : [])].join('.') || 'localhost');
    const ip = fc.constantFrom('192.168.1.1', '10.0.0.1', '[::1]', '127.0.0.1');
    const host = fc.oneof(name, ip).chain((h) => fc.constantFrom(h, `${h}.`));
    const url = fc.tuple(fc.constantFrom('http://', 'https://', '', 'ftp://'), host, fc.constantFrom('', ':443', ':80', ':8080'), fc.constantFrom('', '/', '/login', '/login?x=1'))
      .map(([scheme, h, port, path]) => `${scheme}${h}${port}${path}`);
    const mode = fc.constantFrom<MatchMode>(...MATCH_MODES);
    // Pairs that share a tail, so that matches are frequent enough to test.
    const pair = fc.tuple(url, url, fc.array(label, { maxLength: 2 })).map(([a, b, extra]) => [a, b.replace(/^(\w+:\/\/)?/, (m) => m + (extra.length ? `${extra.join('.')}.` : ''))] as const);
    fc.assert(
      fc.property(fc.oneof(pair, fc.tuple(url, url)), mode, ([credential, page], m) => {
        if (isUsable(matchUrl(credential, page, m))) expect(matchGroup(credential)).toBe(matchGroup(page));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads plain http(s) hosts without a URL parse, with the same result as the parse', () => {
    // The group as the URL parser gives it (the path matchGroup takes for anything but plain hosts).
    const parsed = (u: string): string | null => {
      let url: URL;
      try {
        url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(u.trim()) ? u.trim() : `https://${u.trim()}`);
      } catch {
        return null;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
      const host = url.hostname.replace(/\.$/, '').replace(/^\[|\]$/g, '');
      const cut = host.lastIndexOf('.', host.lastIndexOf('.') - 1);
      return cut < 0 ? host : host.slice(cut + 1);
    };
    const label = fc.constantFrom('example', 'a', '0x7f', '0', '1', '255', '0x', '09', 'x-y', '-', 'xn--bcher-kva', 'xn--zz', 'com', 'EX', 'b\u00fc', '%41', '');
    const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
    const url = fc.tuple(fc.constantFrom('http://', 'https://', 'HTTPS://', 'ftp://'), fc.constantFrom('', 'u:p@'), host, fc.constantFrom('', '.', '..'), fc.constantFrom('', ':443', ':99999', '/', '/p?q#f', '?x', '#y', '\\x'))
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(url, (u) => {
        const expected = parsed(u);
        // Where the URL does not parse, the fast path may still name a group: matchUrl refuses the pair anyway.
        if (expected !== null) expect(matchGroup(u)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    for (const u of ['https://0x7f.1/', 'http://1.2.3.4/x', 'https://example.com./a', 'https://a.b.c.example.org?x', 'http://sub.example.co.uk#f']) expect(matchGroup(u)).toBe(parsed(u));
  });
});
