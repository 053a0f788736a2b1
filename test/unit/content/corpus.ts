// Reads the form corpus (test/fixtures/forms) and each page's declared expectation. Shared by the jsdom
// unit test and the browser e2e test.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FieldRole, FormKind } from '../../../src/content/messages.ts';

export const CORPUS_DIR = resolve(import.meta.dirname, '../../fixtures/forms');

export interface Expectation {
  /** Kinds of the login-relevant forms (not-login forms are not listed), as a multiset. */
  kinds: FormKind[];
  /** Selector → role; every other input must get 'none'. `a >>> b` descends into a's shadow root. */
  roles: Record<string, FieldRole>;
  /** Wait this long after load before detecting (fields inserted by scripts). */
  waitMs?: number;
  /** The login is in this child frame page (itself a corpus page). */
  frame?: string;
  /** An element whose data-state shows what the page's framework accepted (JSON of name → value). */
  state?: string;
  /** The page uses a closed shadow root. */
  closedShadow?: boolean;
  crossOriginFrame?: boolean;
  /** After clicking `click`, the page shows the next step with these expectations. */
  next?: { click: string; kinds: FormKind[]; roles: Record<string, FieldRole> };
}

export interface CorpusPage {
  /** Path relative to the corpus folder, e.g. "login-basic.html" or "frames/login-child.html". */
  path: string;
  html: string;
  expected: Expectation;
}

export function readExpectation(html: string, path: string): Expectation {
  const m = /<script type="application\/json" id="expected">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error(`${path}: no <script id="expected">`);
  return JSON.parse(m[1]) as Expectation;
}

export function loadCorpus(): CorpusPage[] {
  const files = readdirSync(CORPUS_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html')).sort();
  return files.map((path) => {
    const html = readFileSync(join(CORPUS_DIR, path), 'utf8');
    return { path: path.split('\\').join('/'), html, expected: readExpectation(html, path) };
  });
}
