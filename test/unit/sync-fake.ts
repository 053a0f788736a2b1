// An in-memory stand-in for the Mesh Service's store engine (sync.md §5) for the sync engine's
// unit tests: Status, Download with paging, Transact with the Previous rule, idempotent replay
// and tree digests. Tests tamper with `frames` directly to play a hostile service.
import { MeshError } from '../../src/mesh/errors.ts';
import { fromBase64Url, toBase64Url } from '../../src/mesh/bytes.ts';
import { sha512 } from '../../src/mesh/dare/primitives.ts';
import { treeDigest } from '../../src/mesh/dare/merkle.ts';
import { contentMeta, envelopeFromJson } from '../../src/mesh/dare/model.ts';
import type { ConstraintsSelect, DownloadResponse, EnvelopeJson, StatusResponse, StoreUpdate, TransactResponse, EntryResponse } from '../../src/mesh/protocol/messages.ts';
import type { SyncTransport } from '../../src/mesh/sync.ts';

export class FakeService {
  frames = new Map<string, EnvelopeJson[]>();
  calls = { status: 0, download: 0, transact: 0 };
  /** Drop the next Transact response after applying it (lost response). */
  loseNextResponse = false;
  /** Answer a Transact with each store as it left it (sync-performance 13); `lie` replaces the digest. */
  confirmInTransact: false | 'honest' | 'lie' = false;

  createStore(store: string, header: EnvelopeJson): void {
    this.frames.set(store, []);
    this.append(store, header);
  }

  private append(store: string, env: EnvelopeJson): number {
    const list = this.frames.get(store)!;
    const index = list.length;
    const copy = structuredClone(env) as EnvelopeJson;
    const h = copy[0] as Record<string, unknown>;
    h.SequenceInfo = { ...(h.SequenceInfo as object), Index: index };
    const pd = sha512(fromBase64Url(copy[1]));
    const t = treeDigest(index, pd, (i) => fromBase64Url(((list[i][2] ?? {}) as Record<string, string>).TreeDigest));
    const trailer = { ...((copy[2] as Record<string, unknown>) ?? {}), TreeDigest: toBase64Url(t) };
    list.push([copy[0], copy[1], trailer]);
    const m = contentMeta(envelopeFromJson(copy).header);
    if (typeof m?.UniqueId === 'string') this.latestIndex.set(`${store}\n${m.UniqueId}`, { index, event: String(m.Event) });
    return index;
  }

  private latestIndex = new Map<string, { index: number; event: string }>();

  latest(store: string, uid: string): { index: number; event: string } | undefined {
    return this.latestIndex.get(`${store}\n${uid}`);
  }

  transport(): SyncTransport {
    return {
      status: async (stores?: string[]): Promise<StatusResponse> => {
        this.calls.status++;
        const out = [];
        for (const s of stores ?? [...this.frames.keys()]) {
          const list = this.frames.get(s);
          if (!list) continue;
          out.push({ Store: s, Index: list.length - 1, Digest: (list[list.length - 1][2] as Record<string, string>).TreeDigest });
        }
        return { Status: 201, StoreStatus: out };
      },
      downloadPage: async (select: ConstraintsSelect[], opts?: { maxResults?: number }): Promise<DownloadResponse> => {
        this.calls.download++;
        const max = opts?.maxResults ?? 1000;
        return {
          Status: 201,
          Updates: select.map((sel) => {
            const list = this.frames.get(sel.Store);
            if (!list) return { Store: sel.Store };
            const all = list.slice(sel.IndexMin ?? 0);
            const page = all.slice(0, max);
            return { Store: sel.Store, Envelopes: structuredClone(page), Partial: all.length > max, FinalIndex: list.length - 1 };
          }),
        };
      },
      transact: async (input: { updates?: StoreUpdate[] }): Promise<TransactResponse> => {
        this.calls.transact++;
        const all: { store: string; env: EnvelopeJson; uid: string; event: string; prev: number; id: string }[] = [];
        for (const u of input.updates ?? []) {
          for (const env of u.Envelopes ?? []) {
            const m = contentMeta(envelopeFromJson(env).header)!;
            all.push({ store: u.Store, env, uid: String(m.UniqueId), event: String(m.Event), prev: Number(m.Previous ?? 0), id: String(env[0].EnvelopeId) });
          }
        }
        const stored = all.map((a) => (this.frames.get(a.store) ?? []).findIndex((f) => f[0].EnvelopeId === a.id));
        if (all.length && stored.every((i) => i >= 0)) {
          return { Status: 201, Entries: stored.map((i, n) => ({ IndexRequest: n, IndexContainer: i, Result: 'Accept' })) };
        }
        const entries: EntryResponse[] = [];
        let conflict = false;
        all.forEach((a, n) => {
          const l = this.latest(a.store, a.uid);
          if ((l?.index ?? 0) !== a.prev) {
            conflict = true;
            entries.push({ IndexRequest: n, IndexContainer: l?.index ?? 0, Result: 'Conflict' });
          } else entries.push({ IndexRequest: n, Result: 'Reject' });
        });
        if (conflict) throw new MeshError('conflict', 'Transact conflict', { status: 409, statusExtended: 10, entries });
        const accepted: EntryResponse[] = all.map((a, n) => ({ IndexRequest: n, IndexContainer: this.append(a.store, a.env), Result: 'Accept' }));
        if (this.loseNextResponse) {
          this.loseNextResponse = false;
          throw new MeshError('network', 'response lost');
        }
        if (!this.confirmInTransact) return { Status: 201, Entries: accepted };
        const stores = [...new Set(all.map((a) => a.store))].map((store) => {
          const list = this.frames.get(store)!;
          const digest = this.confirmInTransact === 'lie' ? toBase64Url(new Uint8Array(64).fill(7)) : (list[list.length - 1][2] as Record<string, string>).TreeDigest;
          return { Store: store, Index: list.length - 1, Digest: digest };
        });
        return { Status: 201, Entries: accepted, StoreStatus: stores };
      },
    };
  }
}
