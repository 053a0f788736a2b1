// Instant search over summaries: each row keeps a precomputed lowercase haystack; rows are kept in
// display order so a query is one linear scan that stops collecting at `limit` (but still counts).
export interface Row<S> {
  id: string;
  hay: string;
  sortKey: string;
  summary: S;
}

export class SearchIndex<S> {
  private rows = new Map<string, Row<S>>();
  private ordered: Row<S>[] | undefined;

  get size(): number {
    return this.rows.size;
  }

  put(id: string, summary: S, fields: string[], sortKey: string): void {
    this.rows.set(id, { id, summary, hay: fields.join('\n').toLowerCase(), sortKey: sortKey.toLowerCase() });
    this.ordered = undefined;
  }

  remove(id: string): void {
    if (this.rows.delete(id)) this.ordered = undefined;
  }

  clear(): void {
    this.rows.clear();
    this.ordered = undefined;
  }

  get(id: string): S | undefined {
    return this.rows.get(id)?.summary;
  }

  all(): Row<S>[] {
    return (this.ordered ??= [...this.rows.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0)));
  }

  /** Rows whose haystack contains every whitespace-separated term of the query. */
  search(query: string, limit: number, accept?: (s: S) => boolean): { items: S[]; total: number } {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
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
}
