// Password generator. Isomorphic; randomness from globalThis.crypto.getRandomValues only, indices drawn
// by rejection sampling (no modulo bias). Honours a field's maxlength/minlength and the `passwordrules`
// attribute (the syntax Apple documents: required/allowed/max-consecutive/minlength/maxlength).

export type CharClass = 'lower' | 'upper' | 'digit' | 'special';

export interface GeneratorOptions {
  length: number;
  lower: boolean;
  upper: boolean;
  digits: boolean;
  symbols: boolean;
  /** Leave out look-alikes (0 O o 1 l I |). */
  avoidAmbiguous: boolean;
  /** The field's maxlength attribute (≤ 0 or undefined: none). */
  maxLength?: number;
  /** The field's minlength attribute. */
  minLength?: number;
  /** The field's passwordrules attribute. */
  rules?: string;
}

export const DEFAULT_GENERATOR: GeneratorOptions = {
  length: 20,
  lower: true,
  upper: true,
  digits: true,
  symbols: true,
  avoidAmbiguous: false,
};

const CLASS_CHARS: Record<CharClass, string> = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digit: '0123456789',
  // The "special" class of passwordrules: ASCII printable punctuation, no space.
  special: '-~!@#$%^&*_+=`|(){}[:;"\'<>,.?]/\\',
};
const AMBIGUOUS = new Set('0Oo1lI|');
const MIN_LENGTH = 4;
const MAX_LENGTH = 128;

export interface PasswordRules {
  /** Each set needs at least one character in the password. */
  required: string[];
  /** Characters allowed besides the required sets. */
  allowed: string;
  maxConsecutive?: number;
  minLength?: number;
  maxLength?: number;
}

function expandClass(token: string): string | null {
  const t = token.trim().toLowerCase();
  if (t === 'lower' || t === 'upper' || t === 'digit' || t === 'special') return CLASS_CHARS[t];
  if (t === 'ascii-printable' || t === 'unicode') return CLASS_CHARS.lower + CLASS_CHARS.upper + CLASS_CHARS.digit + CLASS_CHARS.special;
  return null;
}

/** Parses a passwordrules value. Unknown parts are ignored, as browsers do. */
export function parsePasswordRules(text: string): PasswordRules {
  const rules: PasswordRules = { required: [], allowed: '' };
  for (const part of text.split(';')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = part.slice(0, colon).trim().toLowerCase();
    const value = part.slice(colon + 1).trim();
    if (name === 'required' || name === 'allowed') {
      const chars = parseCharSets(value);
      if (chars === '') continue;
      if (name === 'required') rules.required.push(chars);
      else rules.allowed = unique(rules.allowed + chars);
    } else if (name === 'max-consecutive' || name === 'minlength' || name === 'maxlength') {
      const n = Number.parseInt(value, 10);
      if (!Number.isFinite(n) || n <= 0) continue;
      if (name === 'max-consecutive') rules.maxConsecutive = Math.min(n, rules.maxConsecutive ?? n);
      else if (name === 'minlength') rules.minLength = Math.max(n, rules.minLength ?? n);
      else rules.maxLength = Math.min(n, rules.maxLength ?? n);
    }
  }
  return rules;
}

/** "lower, upper, [-_!]" → the union of the characters. */
function parseCharSets(value: string): string {
  let out = '';
  let rest = value;
  // Custom sets in brackets may contain commas; take them out first.
  rest = rest.replace(/\[([^\]]*(?:\][^\]]*)?)\]/g, (_m, chars: string) => {
    out += [...chars].filter((c) => c >= ' ' && c <= '~' && c !== ' ').join('');
    return ',';
  });
  for (const token of rest.split(',')) {
    const chars = expandClass(token);
    if (chars) out += chars;
  }
  return unique(out);
}

function unique(chars: string): string {
  return [...new Set(chars)].join('');
}

/** Uniform integer in [0, n) from the CSPRNG, by rejection sampling. */
export function randomIndex(n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`randomIndex: bad bound ${n}`);
  const limit = Math.floor(2 ** 32 / n) * n; // values ≥ limit would bias the low residues
  const buf = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    if (buf[0] < limit) return buf[0] % n;
  }
}

function pick(chars: string): string {
  return chars[randomIndex(chars.length)];
}

function shuffle(items: string[]): string[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomIndex(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function tooManyRepeats(chars: string[], max: number | undefined): boolean {
  if (!max) return false;
  let run = 1;
  for (let i = 1; i < chars.length; i++) {
    run = chars[i] === chars[i - 1] ? run + 1 : 1;
    if (run > max) return true;
  }
  return false;
}

/** The character sets the options and rules ask for: each must appear at least once. */
function requiredSets(options: GeneratorOptions, rules: PasswordRules | null): string[] {
  const strip = (s: string) => (options.avoidAmbiguous ? [...s].filter((c) => !AMBIGUOUS.has(c)).join('') : s);
  let sets: string[];
  if (rules && (rules.required.length > 0 || rules.allowed !== '')) {
    sets = rules.required.slice();
  } else {
    sets = [];
    if (options.lower) sets.push(CLASS_CHARS.lower);
    if (options.upper) sets.push(CLASS_CHARS.upper);
    if (options.digits) sets.push(CLASS_CHARS.digit);
    if (options.symbols) sets.push(CLASS_CHARS.special);
    if (sets.length === 0) sets.push(CLASS_CHARS.lower);
  }
  return sets.map(strip).map((s, i) => (s === '' ? sets[i] : s));
}

/** The length to generate: the wanted length clamped by the field's and the rules' limits. */
export function effectiveLength(options: GeneratorOptions, rules: PasswordRules | null): number {
  let max = MAX_LENGTH;
  let min = MIN_LENGTH;
  if (options.maxLength && options.maxLength > 0) max = Math.min(max, options.maxLength);
  if (rules?.maxLength) max = Math.min(max, rules.maxLength);
  if (options.minLength && options.minLength > 0) min = Math.max(min, options.minLength);
  if (rules?.minLength) min = Math.max(min, rules.minLength);
  const wanted = Math.max(min, Math.min(max, Math.floor(options.length)));
  return Math.max(1, Math.min(wanted, max));
}

/** A new random password. */
export function generatePassword(partial: Partial<GeneratorOptions> = {}): string {
  const options: GeneratorOptions = { ...DEFAULT_GENERATOR, ...partial };
  const rules = options.rules ? parsePasswordRules(options.rules) : null;
  const length = effectiveLength(options, rules);
  let required = requiredSets(options, rules);
  // A field too short for one of each class keeps the first `length` classes.
  if (required.length > length) required = required.slice(0, length);
  const allowedExtra = rules?.allowed ?? '';
  const all = unique(required.join('') + (options.avoidAmbiguous ? [...allowedExtra].filter((c) => !AMBIGUOUS.has(c)).join('') : allowedExtra));

  for (let attempt = 0; attempt < 100; attempt++) {
    const chars = required.map(pick);
    while (chars.length < length) chars.push(pick(all));
    shuffle(chars);
    if (!tooManyRepeats(chars, rules?.maxConsecutive)) return chars.join('');
  }
  // max-consecutive 1 over a one-character set cannot be satisfied; give the best effort.
  const chars = required.map(pick);
  while (chars.length < length) chars.push(pick(all));
  return chars.join('');
}
