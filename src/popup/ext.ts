// The extension APIs the popup uses, without webextension-polyfill: Firefox has `browser`, and Chromium
// from 120 (the manifest's minimum) returns promises from `chrome`. Importing the polyfill cost the popup
// start-up time for nothing (its CommonJS interop copies every API namespace of the browser object).
import type Browser from 'webextension-polyfill';

export interface PopupExt {
  runtime: Pick<Browser.Runtime.Static, 'sendMessage' | 'getURL'>;
  tabs: Pick<Browser.Tabs.Static, 'create'>;
  windows: Pick<Browser.Windows.Static, 'create'>;
  i18n: Pick<Browser.I18n.Static, 'getUILanguage'>;
}

const g = globalThis as { browser?: PopupExt; chrome?: PopupExt };

export const ext: PopupExt = g.browser ?? g.chrome!;
