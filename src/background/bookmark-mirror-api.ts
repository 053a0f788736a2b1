// The part of the WebExtension `bookmarks` API the mirror uses (Chromium and Firefox agree on it), so the
// mirror logic runs in unit tests and benches against a fake and in the worker against the real API
// (main.ts passes webextension-polyfill's `browser.bookmarks`).

export interface BookmarkNode {
  id: string;
  parentId?: string;
  index?: number;
  title: string;
  /** Absent for folders (and Firefox separators). */
  url?: string;
  children?: BookmarkNode[];
  /** Firefox: 'bookmark' | 'folder' | 'separator'. */
  type?: string;
  /** Chromium 134+: 'bookmarks-bar' | 'other' | 'mobile' | 'managed' on the permanent folders. */
  folderType?: string;
  unmodifiable?: string;
}

export interface BookmarksApi {
  getTree(): Promise<BookmarkNode[]>;
  getSubTree(id: string): Promise<BookmarkNode[]>;
  getChildren(id: string): Promise<BookmarkNode[]>;
  get(idOrIds: string | string[]): Promise<BookmarkNode[]>;
  create(bookmark: { parentId?: string; index?: number; title?: string; url?: string }): Promise<BookmarkNode>;
  update(id: string, changes: { title?: string; url?: string }): Promise<BookmarkNode>;
  move(id: string, destination: { parentId?: string; index?: number }): Promise<BookmarkNode>;
  remove(id: string): Promise<void>;
  removeTree(id: string): Promise<void>;
}

/** The bookmark events; each listener only needs the node id (the mirror reconciles from state). */
export type NativeEventKind = 'created' | 'changed' | 'moved' | 'removed';

/** Permanent folder ids: Chromium numbers them, Firefox names them. */
export const FIREFOX_ROOTS: Record<string, string> = {
  toolbar_____: 'Toolbar',
  menu________: 'Menu',
  unfiled_____: 'Other',
  mobile______: 'Mobile',
};
const CHROMIUM_FOLDER_TYPES: Record<string, string> = { 'bookmarks-bar': 'Toolbar', other: 'Other', mobile: 'Mobile', managed: 'Managed' };
const CHROMIUM_ROOTS: Record<string, string> = { '1': 'Toolbar', '2': 'Other', '3': 'Mobile' };

/**
 * The browser-neutral name of a permanent folder (the children of the tree root), so that bookmarks
 * imported from Chromium's "Bookmarks bar" and Firefox's "Bookmarks Toolbar" land in the same folder.
 */
export function rootName(node: BookmarkNode): string {
  return FIREFOX_ROOTS[node.id] ?? (node.folderType ? CHROMIUM_FOLDER_TYPES[node.folderType] : undefined) ?? CHROMIUM_ROOTS[node.id] ?? node.title;
}
