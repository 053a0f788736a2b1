import type { ImportLimits } from './types.ts';

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: ImportLimits = {
  maxFileBytes: 50 * MiB,
  // The one entry we read (1pux export.data, Proton data.json) is text; 50 MiB of it is plenty.
  maxEntryBytes: 50 * MiB,
  // 1pux exports hold one entry per attachment; a zip listing more than this is not an export.
  maxZipEntries: 10_000,
  maxItems: 200_000,
};

export function resolveLimits(overrides?: Partial<ImportLimits>): ImportLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

export function formatBytes(n: number): string {
  return n >= MiB ? `${Math.round((n / MiB) * 10) / 10} MiB` : `${n} bytes`;
}
