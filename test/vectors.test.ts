// One test per entry of every ../shared/spec/vectors/*.json, named by the entry's id.
// Checkers live in test/vectors/*.ts, each exporting `checks: Record<id, (entry) => void | Promise<void>>`.
// An entry without a checker fails, so every vector must be covered.
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { VectorCheck } from './vectors/types.ts';

const dir = [resolve(import.meta.dirname, '../../shared/spec/vectors'), resolve(import.meta.dirname, '../spec/vectors')].find(existsSync);
if (!dir) throw new Error('spec vectors not found: expected ../shared/spec/vectors beside the repository or spec/vectors in it');

const modules = import.meta.glob<{ checks: Record<string, VectorCheck> }>('./vectors/*.ts', { eager: true });
const checks: Record<string, VectorCheck> = {};
for (const m of Object.values(modules)) Object.assign(checks, m.checks ?? {});

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const doc = JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as { vectors: { id: string; title?: string }[] };
  describe(file, () => {
    for (const entry of doc.vectors) {
      const check = checks[entry.id];
      const name = check?.title ? `${entry.id} (${check.title})` : entry.id;
      test(name, async () => {
        expect(check, `no checker registered for vector ${entry.id}`).toBeTypeOf('function');
        await check!(entry as never, doc as never);
      });
    }
  });
}
