// In-memory catalog state: replay of entry frames by service index, latest frame per UniqueId wins
// (catalogs.md §2.3), with lookup by id and, for credentials, by site on the device (decision 6).
import type { CatalogEvent } from './frame.ts';
import type { EntryFields } from './entries.ts';

export interface CatalogRecord {
  uniqueId: string;
  /** Service index of the latest frame for this id. */
  index: number;
  event: CatalogEvent;
  /** null after a Delete, or when the frame could not be decrypted (opaque). */
  fields: EntryFields | null;
  modified?: string;
  frameId?: string;
}

export class Catalog {
  readonly records = new Map<string, CatalogRecord>();
  private hostIndex?: Map<string, Set<string>>;

  constructor(readonly store: string) {}

  /** Applies one frame; frames older than the recorded one for the id are ignored (never regress). */
  apply(rec: CatalogRecord): void {
    const prev = this.records.get(rec.uniqueId);
    if (prev && prev.index > rec.index) return;
    if (this.hostIndex) {
      if (prev) this.unindex(prev);
      this.index(rec);
    }
    this.records.set(rec.uniqueId, rec);
  }

  get(uniqueId: string): CatalogRecord | undefined {
    return this.records.get(uniqueId);
  }

  /** Live (not deleted, readable) entries. */
  live(): CatalogRecord[] {
    const out: CatalogRecord[] = [];
    for (const r of this.records.values()) if (r.event !== 'Delete' && r.fields) out.push(r);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.event !== 'Delete' && r.fields) n++;
    return n;
  }

  /** Credentials whose Service host equals `host` (lower-cased), via an index built on first use. */
  byHost(host: string): CatalogRecord[] {
    if (!this.hostIndex) {
      this.hostIndex = new Map();
      for (const r of this.records.values()) this.index(r);
    }
    const ids = this.hostIndex.get(host.toLowerCase());
    return ids ? [...ids].map((id) => this.records.get(id)!).filter((r) => r.fields && r.event !== 'Delete') : [];
  }

  private hostOf(r: CatalogRecord): string | undefined {
    const s = r.fields?.Service;
    return typeof s === 'string' ? s.toLowerCase() : undefined;
  }

  private index(r: CatalogRecord): void {
    const h = this.hostOf(r);
    if (!h || !this.hostIndex) return;
    let set = this.hostIndex.get(h);
    if (!set) this.hostIndex.set(h, (set = new Set()));
    set.add(r.uniqueId);
  }

  private unindex(r: CatalogRecord): void {
    const h = this.hostOf(r);
    if (h) this.hostIndex?.get(h)?.delete(r.uniqueId);
  }
}
