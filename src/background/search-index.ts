// Instant search over summaries: each row keeps a precomputed lowercase haystack; rows are kept in
// display order so a query is one linear scan that stops collecting at `limit` (but still counts).
// A row may belong to a group (credentials: the site key of their URL), so the rows that can match one
// page are found without a pass over all of them.
export interface Row<S> {
  id: string;
  hay: string;
  sortKey: string;
  group?: string;
  summary: S;
}

const byKey = <S>(a: Row<S>, b: Row<S>) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0);

export class SearchIndex<S> {
  private rows = new Map<string, Row<S>>();
  private groups = new Map<string, Set<Row<S>>>();
  /** Display order; built by one sort when first needed, then kept up to date row by row. */
  private ordered: Row<S>[] | undefined;

  get size(): number {
    return this.rows.size;
  }

  put(id: string, summary: S, fields: string[], sortKey: string, group?: string | null): void {
    this.remove(id);
    const row: Row<S> = { id, summary, hay: fields.join('\n').toLowerCase(), sortKey: sortKey.toLowerCase(), ...(group ? { group } : {}) };
    this.rows.set(id, row);
    if (row.group) {
      let members = this.groups.get(row.group);
      if (!members) this.groups.set(row.group, (members = new Set()));
      members.add(row);
    }
    if (this.ordered) this.ordered.splice(this.position(row.sortKey, true), 0, row); // after equal keys, as a fresh sort puts it
  }

  remove(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.delete(id);
    if (row.group) {
      const members = this.groups.get(row.group)!;
      members.delete(row);
      if (!members.size) this.groups.delete(row.group);
    }
    if (this.ordered) {
      let i = this.position(row.sortKey, false);
      while (this.ordered[i] !== row) i += 1; // rows with an equal sort key sit side by side
      this.ordered.splice(i, 1);
    }
  }

  /** Replaces a row's summary in place (its search text, order and group stay). */
  patch(id: string, f: (s: S) => S): void {
    const row = this.rows.get(id);
    if (row) row.summary = f(row.summary);
  }

  clear(): void {
    this.rows.clear();
    this.groups.clear();
    this.ordered = undefined;
  }

  get(id: string): S | undefined {
    return this.rows.get(id)?.summary;
  }

  all(): Row<S>[] {
    return (this.ordered ??= [...this.rows.values()].sort(byKey));
  }

  /** The rows of one group, in display order. */
  inGroup(group: string): Row<S>[] {
    return [...(this.groups.get(group) ?? [])].sort(byKey);
  }

  /** Rows whose haystack contains every whitespace-separated term of the query. */
  search(query: string, limit: number, accept?: (s: S) => boolean): { items: S[]; total: number } {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length && !accept) return { items: this.all().slice(0, limit).map((r) => r.summary), total: this.size };
    const items: S[] = [];
    let total = 0;
    for (const row of this.all()) {
      let ok = true;
      for (const t of terms) if (!row.hay.includes(t)) { ok = false; break; }
      if (!ok || (accept && !accept(row.summary))) continue;
      total += 1;
      if (items.length < limit) items.push(row.summary);
    }
    return { items, total };
  }

  /** Binary search in `ordered`: the first index whose key is not below `key` (`afterEqual`: not below or equal). */
  private position(key: string, afterEqual: boolean): number {
    const list = this.ordered!;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const k = list[mid].sortKey;
      if (k < key || (afterEqual && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
