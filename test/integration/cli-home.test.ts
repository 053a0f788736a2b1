// The CLI's file-backed sync state: atomic commits, crash leftovers ignored, 0600 files.
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSyncLocal } from '../../src/cli/home.ts';
import type { ConfirmedFrame } from '../../src/mesh/sync-local.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const frame = (index: number): ConfirmedFrame => ({ index, envelope: [{ EnvelopeId: `N${index}` }, ''], tree: `T${index}` });

describe('FileSyncLocal', () => {
  it('commits frames, state and pending; ignores what a crash left beyond the state', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-local-'));
    dirs.push(home);
    const a = new FileSyncLocal(home);
    await a.commit('Credential', { append: [frame(0), frame(1)], state: { store: 'Credential', count: 2, apex: 'T1' }, pending: [] });
    // A crash after appending frame 2 but before the state was replaced.
    appendFileSync(join(home, 'stores/Credential/frames.jsonl'), JSON.stringify(frame(2)) + '\n{"index":3,"env');
    const b = new FileSyncLocal(home);
    expect((await b.loadFrames('Credential')).map((f) => f.index)).toEqual([0, 1]);
    expect((await b.loadState('Credential'))!.count).toBe(2);
    // The next commit rewrites the file without the leftovers.
    await b.commit('Credential', { append: [frame(2)], state: { store: 'Credential', count: 3, apex: 'T2' }, pending: [] });
    const c = new FileSyncLocal(home);
    expect((await c.loadFrames('Credential')).map((f) => f.index)).toEqual([0, 1, 2]);
    expect(readFileSync(join(home, 'stores/Credential/frames.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(statSync(join(home, 'stores/Credential/state.json')).mode & 0o777).toBe(0o600);
    expect(await c.loadFrame('Credential', 1)).toEqual(frame(1));
  });
});
