// mesh bookmark add | list | delete
import { CliError, option, requirePositional, type Command } from '../framework.ts';
import { syncAll } from '../home.ts';

export const commands: Command[] = [
  {
    path: ['bookmark', 'add'],
    usage: 'mesh bookmark add URL [TITLE] [--folder PATH]',
    summary: 'add a bookmark to the Mesh bookmark catalog',
    valueOptions: ['folder'],
    async run(args, ctx) {
      const uri = requirePositional(args, 0, 'URL');
      const title = args.positional.slice(1).join(' ') || undefined;
      const { session } = await syncAll(ctx.home);
      const edit = await session.addBookmark({ uri, title, folder: option(args, 'folder') });
      const r = await session.sync();
      return { id: edit.uniqueId, uri, title: title ?? null, synced: r.complete };
    },
    human: (r) => `Bookmarked ${(r as { uri: string }).uri}.`,
  },
  {
    path: ['bookmark', 'list'],
    usage: 'mesh bookmark list',
    summary: 'list the Mesh bookmarks',
    async run(_args, ctx) {
      const { session } = await syncAll(ctx.home);
      return { bookmarks: session.bookmarks().map((b) => ({ id: b.uniqueId, uri: b.uri, title: b.title ?? null, folder: b.folder ?? null })) };
    },
    human: (r) => {
      const x = r as { bookmarks: { uri: string; title: string | null }[] };
      return x.bookmarks.length ? x.bookmarks.map((b) => `  ${b.title ?? ''}  ${b.uri}`).join('\n') : 'No bookmarks.';
    },
  },
  {
    path: ['bookmark', 'delete'],
    usage: 'mesh bookmark delete ID|URL',
    summary: 'delete a bookmark',
    async run(args, ctx) {
      const key = requirePositional(args, 0, 'ID|URL');
      const { session } = await syncAll(ctx.home);
      const hits = session.bookmarks().filter((b) => b.uniqueId === key || b.uri === key);
      if (!hits.length) throw new CliError(`no bookmark ${key}`);
      for (const b of hits) await session.deleteEntry('Bookmark', b.uniqueId);
      const r = await session.sync();
      return { deleted: hits.length, synced: r.complete };
    },
  },
];
