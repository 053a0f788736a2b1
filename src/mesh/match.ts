// Which saved credential may be offered or filled on which page. Pure and isomorphic (no DOM, no
// extension API): the background uses it to pick entries for a frame and to re-check the frame's URL at
// fill time; the popup uses it to list "matching this tab" first.
import { parse } from 'tldts';

/** Per-credential match mode. 'domain' (base domain by the Public Suffix List) is the default. */
export type MatchMode = 'domain' | 'host' | 'exact' | 'never';

export const MATCH_MODES: readonly MatchMode[] = ['domain', 'host', 'exact', 'never'];

/**
 * - 'match': fill or offer without asking.
 * - 'needs-confirmation': the site matches but the credential was saved on https and the page is http;
 *   the user must confirm before the secret goes to an unencrypted page.
 * - 'no-match': another site, another host or URL for the mode, or a scheme that never gets credentials.
 * - 'never': the credential's mode forbids matching anything.
 * - 'invalid': one of the URLs does not parse as an absolute URL.
 */
export type MatchOutcome = 'match' | 'needs-confirmation' | 'no-match' | 'never' | 'invalid';

const WEB_SCHEMES = new Set(['http:', 'https:']);

function parseUrl(text: string): URL | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  try {
    // A bare host ("example.com", "example.com/login") as users type them in entries: assume https.
    return new URL(/^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return null;
  }
}

/** Host without the trailing dot of a fully qualified name; IPv6 without brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/\.$/, '').replace(/^\[|\]$/g, '');
}

/**
 * The registrable domain ("example.co.uk", "alice.github.io") or null when the host has none
 * (IP addresses, "localhost", single-label intranet names, a bare public suffix).
 */
export function baseDomainOfHost(host: string): string | null {
  const parsed = parse(host, { allowPrivateDomains: true });
  if (parsed.isIp) return null;
  return parsed.domain ?? null;
}

/** The base domain of a URL, or null when it has none or does not parse. */
export function baseDomain(url: string): string | null {
  const parsed = parseUrl(url);
  return parsed && WEB_SCHEMES.has(parsed.protocol) ? baseDomainOfHost(hostOf(parsed)) : null;
}

/**
 * The key credentials are grouped by: the base domain, or host:port when there is none (an IP or
 * localhost app is one site per port).
 */
export function siteKey(url: string): string | null {
  const parsed = parseUrl(url);
  if (!parsed || !WEB_SCHEMES.has(parsed.protocol)) return null;
  return baseDomainOfHost(hostOf(parsed)) ?? `${hostOf(parsed)}${parsed.port ? `:${parsed.port}` : ''}`;
}

/**
 * A coarse key to look up candidates by: the last two labels of a web URL's host (null when the URL can
 * never match). A credential and a page that matchUrl finds usable always share it: a registrable domain
 * has at least two labels, and the other modes need the same host. It only narrows the search; matchUrl
 * still decides. No Public Suffix lookup, so computing it for every saved login stays cheap.
 */
export function matchGroup(url: string): string | null {
  // Most saved URLs are plain http(s)://host/...: read the host without a URL parse (one per login
  // when 10,000 are indexed). Anything else (ports, userinfo, IPs, escapes, IDN) takes the parse.
  const plain = PLAIN_WEB_HOST.exec(url);
  if (plain && !NUMERIC_LABEL.test(plain[1].slice(plain[1].lastIndexOf('.') + 1)) && !plain[1].includes('xn--')) return lastTwoLabels(plain[1]);
  const parsed = parseUrl(url);
  if (!parsed || !WEB_SCHEMES.has(parsed.protocol)) return null;
  return lastTwoLabels(hostOf(parsed));
}

const PLAIN_WEB_HOST = /^https?:\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.?(?:[/?#]|$)/;
/** A last label the URL parser reads as an IPv4 number. */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/;

function lastTwoLabels(host: string): string {
  const cut = host.lastIndexOf('.', host.lastIndexOf('.') - 1);
  return cut < 0 ? host : host.slice(cut + 1);
}

function sameHostAndPort(a: URL, b: URL): boolean {
  return hostOf(a) === hostOf(b) && effectivePort(a) === effectivePort(b);
}

/** Port with the scheme default filled in, except that http:80 and https:443 count as the same. */
function effectivePort(url: URL): string {
  return url.port === '' ? 'default' : url.port;
}

function sameSite(credential: URL, page: URL): boolean {
  const a = baseDomainOfHost(hostOf(credential));
  const b = baseDomainOfHost(hostOf(page));
  // Without a registrable domain (IP, localhost, intranet name) a "site" is one host and one port.
  if (a === null || b === null) return a === b && sameHostAndPort(credential, page);
  return a === b;
}

function samePath(credential: URL, page: URL): boolean {
  const path = (u: URL) => (u.pathname === '' ? '/' : u.pathname);
  return path(credential) === path(page) && credential.search === page.search;
}

/**
 * Whether the credential saved for `credentialUrl` may go into a page at `pageUrl`.
 * Schemes: http→https upgrades match; an https credential on an http page needs confirmation; only
 * http and https pages ever match.
 */
export function matchUrl(credentialUrl: string, pageUrl: string, mode: MatchMode = 'domain'): MatchOutcome {
  if (mode === 'never') return 'never';
  const credential = parseUrl(credentialUrl);
  const page = parseUrl(pageUrl);
  if (!credential || !page) return 'invalid';
  if (!WEB_SCHEMES.has(credential.protocol) || !WEB_SCHEMES.has(page.protocol)) return 'no-match';

  let matches: boolean;
  switch (mode) {
    case 'domain':
      matches = sameSite(credential, page);
      break;
    case 'host':
      matches = sameHostAndPort(credential, page);
      break;
    case 'exact':
      matches = sameHostAndPort(credential, page) && samePath(credential, page);
      break;
    default:
      return 'no-match';
  }
  if (!matches) return 'no-match';
  const downgrade = credential.protocol === 'https:' && page.protocol === 'http:';
  return downgrade ? 'needs-confirmation' : 'match';
}

/** Outcome ranking for sorting candidate entries: exact-ish outcomes first. */
export function isUsable(outcome: MatchOutcome): outcome is 'match' | 'needs-confirmation' {
  return outcome === 'match' || outcome === 'needs-confirmation';
}

/** The page's origin as the background compares it at fill time ("null" for opaque origins). */
export function originOf(url: string): string | null {
  const parsed = parseUrl(url);
  return parsed ? parsed.origin : null;
}
