// Every UI string goes through the extension's i18n API (public/_locales/<lang>/messages.json).
type Getter = (key: string, subs?: string[]) => string;

interface I18nGlobal {
  chrome?: { i18n?: { getMessage: Getter } };
  browser?: { i18n?: { getMessage: Getter } };
}

let getter: Getter | undefined;

/** Tests install a getter reading the English catalog. */
export function setMessageGetter(g: Getter): void {
  getter = g;
}

export function t(key: string, ...subs: (string | number)[]): string {
  const g = getter ?? (globalThis as I18nGlobal).browser?.i18n?.getMessage ?? (globalThis as I18nGlobal).chrome?.i18n?.getMessage;
  const text = g?.(key, subs.map(String));
  return text || key;
}
