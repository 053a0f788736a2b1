// mesh password add | get | list | delete | resolve
import { CliError, option, requirePositional, type Command } from '../framework.ts';
import { openSession, syncAll } from '../home.ts';
import { parseSite, credentialView, type CredentialView } from '../../mesh/catalog/credential.ts';
import { resolveConflict } from '../../mesh/sync.ts';
import type { MeshSession } from '../../mesh/sync-session.ts';

const publicView = (c: CredentialView, withPassword: boolean) => ({
  id: c.uniqueId, site: c.site, host: c.host, username: c.username, ...(withPassword ? { password: c.password } : {}),
  ...(c.title ? { title: c.title } : {}), ...(c.notes ? { notes: c.notes } : {}), ...(c.modified ? { modified: c.modified } : {}),
});

function conflictsFor(session: MeshSession, ids?: Set<string>) {
  return session.replica('Credential').conflicts()
    .filter((p) => !ids || ids.has(p.uniqueId))
    .map((p) => ({
      id: p.id,
      entry: p.uniqueId,
      fields: p.conflict!.fields,
      local: p.fields ? publicView(credentialView(p.uniqueId, p.fields, p.modified), true) : null,
      remote: p.conflict!.remote ? publicView(credentialView(p.uniqueId, p.conflict!.remote, p.conflict!.remoteModified), true) : null,
    }));
}

async function afterEdit(session: MeshSession) {
  const r = await session.sync();
  return { synced: r.complete, conflicts: r.stores.find((s) => s.store === 'Credential')?.conflicts ?? 0 };
}

export const commands: Command[] = [
  {
    path: ['password', 'add'],
    usage: 'mesh password add SITE USERNAME PASSWORD [--title T] [--notes N] [--no-sync]',
    summary: 'store a password (replaces the password of the same site and username); --no-sync queues it offline',
    valueOptions: ['title', 'notes'],
    async run(args, ctx) {
      const site = requirePositional(args, 0, 'SITE');
      const username = requirePositional(args, 1, 'USERNAME');
      const password = requirePositional(args, 2, 'PASSWORD');
      const offline = args.options.sync === false;
      const session = offline ? await openSession(ctx.home) : (await syncAll(ctx.home)).session;
      const host = parseSite(site).host;
      const same = session.credentials().find((c) => c.host === host && c.username === username);
      const input = { site, username, password, title: option(args, 'title'), notes: option(args, 'notes') };
      const edit = same ? await session.updateCredential(same.uniqueId, input) : await session.addCredential(input);
      return { id: edit.uniqueId, site: host, username, updated: !!same, ...(offline ? { synced: false, conflicts: 0 } : await afterEdit(session)) };
    },
    human: (r) => {
      const x = r as { updated: boolean; site: string; username: string };
      return `${x.updated ? 'Updated' : 'Added'} ${x.username} @ ${x.site}.`;
    },
  },
  {
    path: ['password', 'get'],
    usage: 'mesh password get SITE',
    summary: 'show the passwords for a site (matched by base domain)',
    async run(args, ctx) {
      const site = requirePositional(args, 0, 'SITE');
      const { session } = await syncAll(ctx.home);
      const found = session.findCredentials(site);
      const conflicts = conflictsFor(session, new Set(found.map((c) => c.uniqueId)));
      return { site, entries: found.map((c) => publicView(c, true)), conflicts };
    },
    human: (r) => {
      const x = r as { site: string; entries: { username: string; password: string; host: string }[]; conflicts: unknown[] };
      if (!x.entries.length) return `No password for ${x.site}.`;
      const lines = x.entries.map((e) => `  ${e.host}  ${e.username}  ${e.password}`);
      if (x.conflicts.length) lines.push(`${x.conflicts.length} conflict(s): see --json, resolve with mesh password resolve`);
      return lines.join('\n');
    },
  },
  {
    path: ['password', 'list'],
    usage: 'mesh password list',
    summary: 'list the stored logins (without passwords)',
    async run(_args, ctx) {
      const { session } = await syncAll(ctx.home);
      return { entries: session.credentials().map((c) => publicView(c, false)), conflicts: conflictsFor(session).map((c) => ({ id: c.id, entry: c.entry, fields: c.fields })) };
    },
    human: (r) => {
      const x = r as { entries: { host: string; username: string }[] };
      return x.entries.length ? x.entries.map((e) => `  ${e.host}  ${e.username}`).join('\n') : 'No passwords stored.';
    },
  },
  {
    path: ['password', 'delete'],
    usage: 'mesh password delete SITE [USERNAME]',
    summary: 'delete the logins of a site (or only USERNAME\'s)',
    async run(args, ctx) {
      const site = requirePositional(args, 0, 'SITE');
      const username = args.positional[1];
      const { session } = await syncAll(ctx.home);
      const host = parseSite(site).host;
      const hits = session.credentials().filter((c) => (c.host === host || c.host.replace(/:\d+$/, '') === host) && (username === undefined || c.username === username));
      if (!hits.length) throw new CliError(`no login for ${site}${username ? ` and ${username}` : ''}`);
      for (const c of hits) await session.deleteEntry('Credential', c.uniqueId);
      return { deleted: hits.length, ids: hits.map((c) => c.uniqueId), ...(await afterEdit(session)) };
    },
    human: (r) => `Deleted ${(r as { deleted: number }).deleted} login(s).`,
  },
  {
    path: ['password', 'resolve'],
    usage: 'mesh password resolve ID --keep local|remote',
    summary: 'resolve a conflict by keeping one version (ID from mesh password get/list --json)',
    valueOptions: ['keep'],
    async run(args, ctx) {
      const id = requirePositional(args, 0, 'ID');
      const keep = option(args, 'keep');
      if (keep !== 'local' && keep !== 'remote') throw new CliError('--keep must be local or remote');
      const { session } = await syncAll(ctx.home);
      const r = session.replica('Credential');
      const p = r.conflicts().find((x) => x.id === id || x.uniqueId === id);
      if (!p) throw new CliError(`no conflict ${id}`);
      const chosen = keep === 'local' ? p.fields : p.conflict!.remote;
      if (!chosen) throw new CliError('that version is a deletion; delete the entry instead');
      const { lost } = await resolveConflict(session.local, r, p.id, chosen);
      return { resolved: p.uniqueId, kept: keep, discarded: lost.length, ...(await afterEdit(session)) };
    },
    human: (r) => `Conflict on ${(r as { resolved: string }).resolved} resolved.`,
  },
];
