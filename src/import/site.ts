// The "same site" of duplicate detection is autofill's: src/mesh/match.ts siteKey (registrable
// domain by the PSL with private suffixes, else host:port). Logins for other schemes (Android apps,
// ssh://…) have no site there; for them the whole address, lower-cased, is the site.
import { siteKey } from '../mesh/match.ts';

export function siteOf(url: string): string | undefined {
  const t = url.trim();
  if (!t) return undefined;
  return siteKey(t) ?? t.toLowerCase().replace(/\/+$/, '');
}
