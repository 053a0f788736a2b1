// An in-memory fake of the WebExtension bookmarks API (we do not own the browsers' bookmark stores), with
// what the mirror relies on: Chromium- or Firefox-style permanent folders, URL canonicalisation, events
// delivered asynchronously after the call that caused them (as the browsers do), remove() refusing a
// non-empty folder. Used by the unit tests and by bench/bookmarks.bench.ts.
import type { BookmarkNode, BookmarksApi, NativeEventKind } from '../../../src/background/bookmark-mirror-api.ts';

interface Rec {
  id: string;
  parentId?: string;
  title: string;
  url?: string;
  children?: string[];
  folderType?: string;
}

export type FakeListener = (kind: NativeEventKind, id: string) => void;

export class FakeBookmarks implements BookmarksApi {
  private nodes = new Map<string, Rec>();
  private next = 100;
  private listeners: FakeListener[] = [];
  /** Every call that changes something, in order (tests count writes to prove there is no loop). */
  writes: string[] = [];
  readonly rootId: string;
  readonly toolbarId: string;
  readonly otherId: string;

  constructor(readonly flavour: 'chromium' | 'firefox' = 'chromium') {
    if (flavour === 'chromium') {
      this.rootId = '0';
      this.toolbarId = '1';
      this.otherId = '2';
      this.put({ id: '0', title: '', children: [] });
      this.put({ id: '1', parentId: '0', title: 'Bookmarks bar', children: [], folderType: 'bookmarks-bar' });
      this.put({ id: '2', parentId: '0', title: 'Other bookmarks', children: [], folderType: 'other' });
      this.put({ id: '3', parentId: '0', title: 'Mobile bookmarks', children: [], folderType: 'mobile' });
    } else {
      this.rootId = 'root________';
      this.toolbarId = 'toolbar_____';
      this.otherId = 'unfiled_____';
      this.put({ id: 'root________', title: '', children: [] });
      for (const [id, title] of [
        ['menu________', 'Bookmarks Menu'],
        ['toolbar_____', 'Bookmarks Toolbar'],
        ['unfiled_____', 'Other Bookmarks'],
        ['mobile______', 'Mobile Bookmarks'],
      ]) this.put({ id, parentId: 'root________', title, children: [] });
    }
  }

  private put(r: Rec): void {
    this.nodes.set(r.id, r);
    if (r.parentId) this.nodes.get(r.parentId)!.children!.push(r.id);
  }

  onEvent(f: FakeListener): void {
    this.listeners.push(f);
  }

  private emit(kind: NativeEventKind, id: string): void {
    setTimeout(() => {
      for (const f of this.listeners) f(kind, id);
    }, 0);
  }

  private rec(id: string): Rec {
    const r = this.nodes.get(id);
    if (!r) throw new Error(`Can't find bookmark for id ${id}.`);
    return r;
  }

  private view(r: Rec, deep: boolean, index?: number): BookmarkNode {
    const p = r.parentId ? this.nodes.get(r.parentId) : undefined;
    const n: BookmarkNode = { id: r.id, title: r.title, ...(r.parentId ? { parentId: r.parentId, index: index ?? p!.children!.indexOf(r.id) } : {}) };
    if (r.url !== undefined) n.url = r.url;
    if (this.flavour === 'firefox') n.type = r.url !== undefined ? 'bookmark' : 'folder';
    if (r.folderType) n.folderType = r.folderType;
    if (deep && r.children) n.children = r.children.map((c, i) => this.view(this.rec(c), true, i));
    return n;
  }

  private canon(url: string): string {
    try {
      return new URL(url).href;
    } catch {
      throw new Error(`Invalid URL: ${url}`);
    }
  }

  async getTree(): Promise<BookmarkNode[]> {
    return [this.view(this.rec(this.rootId), true)];
  }
  async getSubTree(id: string): Promise<BookmarkNode[]> {
    return [this.view(this.rec(id), true)];
  }
  async getChildren(id: string): Promise<BookmarkNode[]> {
    return (this.rec(id).children ?? []).map((c, i) => this.view(this.rec(c), false, i));
  }
  async get(idOrIds: string | string[]): Promise<BookmarkNode[]> {
    return (Array.isArray(idOrIds) ? idOrIds : [idOrIds]).map((id) => this.view(this.rec(id), false));
  }
  async create(b: { parentId?: string; index?: number; title?: string; url?: string }): Promise<BookmarkNode> {
    const parent = this.rec(b.parentId ?? this.otherId);
    if (!parent.children) throw new Error('parent is not a folder');
    const r: Rec = { id: String(this.next++), parentId: parent.id, title: b.title ?? '', ...(b.url !== undefined ? { url: this.canon(b.url) } : { children: [] }) };
    this.put(r);
    this.writes.push(`create ${r.id}`);
    this.emit('created', r.id);
    return this.view(r, false);
  }
  async update(id: string, c: { title?: string; url?: string }): Promise<BookmarkNode> {
    const r = this.rec(id);
    const url = c.url !== undefined && r.url !== undefined ? this.canon(c.url) : undefined; // all or nothing
    if (c.title !== undefined) r.title = c.title;
    if (url !== undefined) r.url = url;
    this.writes.push(`update ${id}`);
    this.emit('changed', id);
    return this.view(r, false);
  }
  async move(id: string, d: { parentId?: string; index?: number }): Promise<BookmarkNode> {
    const r = this.rec(id);
    const to = this.rec(d.parentId ?? r.parentId!);
    for (let p: Rec | undefined = to; p; p = p.parentId ? this.nodes.get(p.parentId) : undefined) if (p.id === id) throw new Error('cannot move into itself');
    const from = this.rec(r.parentId!);
    from.children = from.children!.filter((c) => c !== id);
    to.children!.splice(d.index ?? to.children!.length, 0, id);
    r.parentId = to.id;
    this.writes.push(`move ${id}`);
    this.emit('moved', id);
    return this.view(r, false);
  }
  async remove(id: string): Promise<void> {
    const r = this.rec(id);
    if (r.children?.length) throw new Error("Can't remove non-empty folder (use recursive to force).");
    this.drop(r);
  }
  async removeTree(id: string): Promise<void> {
    this.drop(this.rec(id));
  }
  private drop(r: Rec): void {
    for (const c of r.children ?? []) this.forget(c);
    const p = this.rec(r.parentId!);
    p.children = p.children!.filter((c) => c !== r.id);
    this.nodes.delete(r.id);
    this.writes.push(`remove ${r.id}`);
    this.emit('removed', r.id);
  }
  private forget(id: string): void {
    for (const c of this.nodes.get(id)?.children ?? []) this.forget(c);
    this.nodes.delete(id);
  }

  // ---- test helpers ----

  /** The bookmarks under a folder as "path|title|url" lines, sorted (folder titles joined by '/'). */
  listing(folderId: string): string[] {
    const out: string[] = [];
    const walk = (id: string, path: string) => {
      for (const c of this.rec(id).children ?? []) {
        const r = this.rec(c);
        if (r.url !== undefined) out.push(`${path}|${r.title}|${r.url}`);
        else walk(c, path ? `${path}/${r.title}` : r.title);
      }
    };
    walk(folderId, '');
    return out.sort();
  }

  /** The id of the first node under `folderId` (depth first) with this title. */
  find(folderId: string, title: string): string | undefined {
    for (const c of this.rec(folderId).children ?? []) {
      const r = this.rec(c);
      if (r.title === title) return c;
      const deeper = r.children ? this.find(c, title) : undefined;
      if (deeper) return deeper;
    }
    return undefined;
  }

  size(): number {
    return this.nodes.size;
  }
}
