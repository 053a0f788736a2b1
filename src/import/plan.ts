// planImport: which imported records are new, which duplicate an existing credential (same site by
// registrable domain and same username), and what to do with each. Pure; the caller applies the
// plan as one batch.
import { siteOf } from './site.ts';
import type { ImportRecord } from './types.ts';

export type DuplicatePolicy = 'skip' | 'replace' | 'keep-both';

/** An entry already in the catalog, reduced to what matching needs. */
export interface ExistingCredential {
  id: string;
  urls: string[];
  username: string;
  title?: string;
}

export interface PlanOptions {
  policy: DuplicatePolicy;
  /** Per-record choices from the preview, by index into `records`; override `policy`. */
  decisions?: Record<number, DuplicatePolicy>;
}

export interface ImportPlan {
  adds: ImportRecord[];
  /** Existing entries to overwrite with the imported record (policy replace). */
  updates: { id: string; record: ImportRecord }[];
  skipped: { index: number; record: ImportRecord; reason: 'duplicate' | 'repeated-in-file'; duplicateOf?: string }[];
  /** Every record that matched an existing entry, whatever was decided for it. */
  duplicates: { index: number; existingId: string }[];
}

export function planImport(records: readonly ImportRecord[], existing: readonly ExistingCredential[], policy: DuplicatePolicy | PlanOptions): ImportPlan {
  const options: PlanOptions = typeof policy === 'string' ? { policy } : policy;
  const byKey = new Map<string, string>();
  for (const e of existing) for (const k of matchKeys(e.urls, e.username, e.title ?? '')) if (!byKey.has(k)) byKey.set(k, e.id);

  const plan: ImportPlan = { adds: [], updates: [], skipped: [], duplicates: [] };
  const replaced = new Set<string>();
  const seenInFile = new Set<string>();
  records.forEach((record, index) => {
    const keys = matchKeys(record.urls, record.username, record.title);
    const exact = `${keys[0]}\u0000${record.password}`;
    if (seenInFile.has(exact)) {
      plan.skipped.push({ index, record, reason: 'repeated-in-file' });
      return;
    }
    seenInFile.add(exact);
    const existingId = keys.map((k) => byKey.get(k)).find((id) => id !== undefined);
    if (existingId === undefined) {
      plan.adds.push(record);
      return;
    }
    plan.duplicates.push({ index, existingId });
    const decision = options.decisions?.[index] ?? options.policy;
    if (decision === 'skip') plan.skipped.push({ index, record, reason: 'duplicate', duplicateOf: existingId });
    // One existing entry is replaced once; a second record for it is added, so nothing is lost.
    else if (decision === 'replace' && !replaced.has(existingId)) {
      replaced.add(existingId);
      plan.updates.push({ id: existingId, record });
    } else plan.adds.push(record);
  });
  return plan;
}

/** One key per site of the login; a login without any URL is matched by its title instead. */
function matchKeys(urls: readonly string[], username: string, title: string): string[] {
  const user = username.trim().toLowerCase();
  const sites = [...new Set(urls.map(siteOf).filter((s): s is string => !!s))];
  if (sites.length === 0) return [`title:${title.trim().toLowerCase()}\u0000${user}`];
  return sites.map((s) => `site:${s}\u0000${user}`);
}
