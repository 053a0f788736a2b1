// Every UI string goes through the extension's i18n API (public/_locales/<lang>/messages.json).
type Getter = (key: string, subs?: string[]) => string;

interface I18nGlobal {
  chrome?: { i18n?: { getMessage: Getter } };
  browser?: { i18n?: { getMessage: Getter } };
}

let getter: Getter | undefined;
/** Texts without substitutions, looked up once per page (a list row asks for the same few again and again). */
const plain = new Map<string, string>();

/** Tests install a getter reading the English catalog. */
export function setMessageGetter(g: Getter): void {
  getter = g;
  plain.clear();
}

export function t(key: string, ...subs: (string | number)[]): string {
  if (!subs.length) {
    const known = plain.get(key);
    if (known !== undefined) return known;
  }
  const g = getter ?? (globalThis as I18nGlobal).browser?.i18n?.getMessage ?? (globalThis as I18nGlobal).chrome?.i18n?.getMessage;
  const text = g?.(key, subs.map(String)) || key;
  if (!subs.length && g) plain.set(key, text);
  return text;
}
