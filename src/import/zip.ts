// Reads one entry out of a zip export (1Password .1pux, Proton Pass .zip) without trusting the
// archive: fflate's streaming unzip inflates only the wanted entry and stops as soon as it grows
// past the limit (a zip bomb declares small sizes and inflates to gigabytes) or the archive lists
// too many entries.
import { Unzip, UnzipInflate } from 'fflate';
import { formatBytes } from './limits.ts';
import { failImport } from './problems.ts';
import type { ImportLimits } from './types.ts';

const PUSH_CHUNK = 16 * 1024;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** The first entry whose name `wanted` accepts, inflated; undefined when the archive has none. */
export function readZipEntry(bytes: Uint8Array, wanted: (name: string) => boolean, limits: ImportLimits): ZipEntry | undefined {
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  let entries = 0;
  let found: { name: string; chunks: Uint8Array[]; size: number; done: boolean } | undefined;
  let problem: Error | undefined;

  unzip.onfile = (file) => {
    if (problem) return;
    if (++entries > limits.maxZipEntries) {
      problem = new Error('too-many');
      return;
    }
    if (found || !wanted(file.name)) return;
    const target = { name: file.name, chunks: [] as Uint8Array[], size: 0, done: false };
    found = target;
    file.ondata = (err, chunk, final) => {
      if (problem) return;
      if (err) {
        problem = err;
        return;
      }
      target.size += chunk.length;
      if (target.size > limits.maxEntryBytes) {
        problem = new Error('too-big');
        file.terminate();
        return;
      }
      target.chunks.push(chunk);
      if (final) target.done = true;
    };
    file.start();
  };

  try {
    for (let i = 0; i < bytes.length && !problem; i += PUSH_CHUNK) {
      unzip.push(bytes.subarray(i, i + PUSH_CHUNK), i + PUSH_CHUNK >= bytes.length);
      if (found?.done) break;
    }
  } catch (e) {
    problem ??= e instanceof Error ? e : new Error(String(e));
  }
  if (problem?.message === 'too-many') failImport('oversized', `the zip lists more than ${limits.maxZipEntries} entries`);
  if (problem?.message === 'too-big') failImport('oversized', `zip entry "${found?.name}" inflates to more than ${formatBytes(limits.maxEntryBytes)}`);
  if (problem) failImport('malformed', `the zip archive is damaged (${problem.message})`);
  if (!found) return undefined;
  if (!found.done) failImport('truncated', `zip entry "${found.name}" ends early`);
  return { name: found.name, data: concatChunks(found.chunks, found.size) };
}

function concatChunks(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
