// Requests from content scripts (D's src/content/messages.ts). Everything is decided from what the
// browser says about the sender (tab, frame, URL), never from what the page put in the message: a frame
// learns titles and usernames for its own site only, and receives a password only by a fill the user
// asked for, after the frame's URL is checked again.
import { asContentMessage, type DetectResult, type FillMessage, type FormSummary, type SaveOfferMessage } from '../content/messages.ts';
import { generatePassword } from '../mesh/generator.ts';
import { matchUrl } from '../mesh/match.ts';
import type { Tabs } from './background.ts';

export interface ContentSender {
  tabId?: number;
  frameId?: number;
  /** The frame's URL as the browser reports it. */
  url?: string;
}

export interface SaveOffer {
  id: string;
  tabId: number;
  url: string;
  username: string;
  password: string;
  kind: 'new' | 'update';
  at: number;
}

export interface ContentVaultView {
  unlocked(): boolean;
  /** Entries for the frame's site; `insecure`: an https login on an http page (fill after confirmation). */
  suggestions(frameUrl: string): { id: string; title: string; username: string; insecure?: boolean }[];
  secret(frameUrl: string, id: string, allowInsecure?: boolean): { username: string; password: string } | undefined;
  credentialUrl(id: string): string | undefined;
  offerToSave(): boolean;
  /** The "fill on page load" setting. */
  fillOnLoad(): boolean;
}

const LOGIN_KINDS = new Set(['login', 'username-only', 'signup', 'change-password']);
const MAX_OFFERS = 10;

const fits = (outcome: string, insecureOk: boolean): boolean => outcome === 'match' || (insecureOk && outcome === 'needs-confirmation');

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

export class ContentRouter {
  /** Frames that reported login forms, per tab. */
  private frames = new Map<number, Map<number, { url: string; forms: FormSummary[] }>>();
  readonly offers: SaveOffer[] = [];
  private autoFilled = new Set<string>();
  private seq = 0;

  constructor(
    private readonly vault: ContentVaultView,
    private readonly tabs: Tabs,
    private readonly clock: () => number = Date.now,
  ) {}

  forgetTab(tabId: number): void {
    this.frames.delete(tabId);
  }

  /** Handles one message from a content script; undefined when it is not one of ours. */
  async handle(message: unknown, sender: ContentSender): Promise<unknown> {
    const m = asContentMessage(message);
    if (!m || sender.tabId === undefined || sender.frameId === undefined || !sender.url) return undefined;
    const frameUrl = sender.url;
    if (originOf(m.url) !== originOf(frameUrl)) return { error: 'url-mismatch' };
    switch (m.type) {
      case 'forms-detected': {
        let tab = this.frames.get(sender.tabId);
        if (!tab) this.frames.set(sender.tabId, (tab = new Map()));
        if (sender.frameId === 0) for (const id of [...tab.keys()]) if (originOf(tab.get(id)!.url) === undefined) tab.delete(id);
        tab.set(sender.frameId, { url: frameUrl, forms: m.forms.slice(0, 20) });
        await this.maybeFillOnLoad(sender.tabId, sender.frameId, frameUrl, m.forms);
        return { ok: true };
      }
      case 'suggestions':
        return { entries: this.vault.unlocked() ? this.vault.suggestions(frameUrl).slice(0, 20) : [] };
      case 'fill-request': {
        // confirmInsecure: the user confirmed, in our closed-root list, an https login on this http page.
        const insecureOk = m.confirmInsecure === true;
        const secret = this.vault.unlocked() ? this.vault.secret(frameUrl, m.id, insecureOk) : undefined;
        if (!secret) return { error: 'no-match' };
        return this.sendFill(sender.tabId, sender.frameId, this.vault.credentialUrl(m.id)!, { type: 'fill', ...secret }, insecureOk);
      }
      case 'generate-request': {
        const password = generatePassword({ maxLength: m.maxLength, minLength: m.minLength, rules: m.rules || undefined });
        return this.tabs.sendToFrame(sender.tabId, sender.frameId, { type: 'fill-generated', password });
      }
      case 'save-offer':
        return this.recordOffer(m, sender.tabId, frameUrl);
    }
  }

  /** Fill on page load: only the top frame, a login form, exactly one matching login, once per page. */
  private async maybeFillOnLoad(tabId: number, frameId: number, url: string, forms: FormSummary[]): Promise<void> {
    if (frameId !== 0 || !this.vault.fillOnLoad() || !this.vault.unlocked() || !forms.some((f) => f.kind === 'login')) return;
    const key = `${tabId} ${url}`;
    if (this.autoFilled.has(key)) return;
    const matches = this.vault.suggestions(url);
    // Never on an http page with an https login (that needs the user's confirmation).
    if (matches.length !== 1 || matches[0].insecure) return;
    const secret = this.vault.secret(url, matches[0].id);
    if (!secret) return;
    this.autoFilled.add(key);
    if (this.autoFilled.size > 200) this.autoFilled.delete(this.autoFilled.values().next().value!);
    await this.sendFill(tabId, 0, this.vault.credentialUrl(matches[0].id)!, { type: 'fill', ...secret }).catch(() => undefined);
  }

  private recordOffer(m: SaveOfferMessage, tabId: number, frameUrl: string): { ok: boolean } {
    if (!this.vault.offerToSave() || !m.password) return { ok: false };
    const offer: SaveOffer = { id: `o${++this.seq}`, tabId, url: frameUrl, username: m.username.slice(0, 500), password: m.password.slice(0, 1000), kind: m.kind, at: this.clock() };
    const same = this.offers.findIndex((o) => o.tabId === tabId && o.url === offer.url && o.username === offer.username);
    if (same >= 0) this.offers.splice(same, 1);
    this.offers.push(offer);
    if (this.offers.length > MAX_OFFERS) this.offers.shift();
    return { ok: true };
  }

  takeOffer(id: string): SaveOffer | undefined {
    const i = this.offers.findIndex((o) => o.id === id);
    return i >= 0 ? this.offers.splice(i, 1)[0] : undefined;
  }

  /**
   * Picks the frame of a tab to fill with a credential: frames that reported a login form and whose URL
   * matches, the top frame first; a frame of another origin than the top frame only if no other fits.
   */
  async fillTab(tabId: number, credentialUrl: string, fill: FillMessage, topUrl: string, insecureOk = false): Promise<{ filled: string[] }> {
    const tab = this.frames.get(tabId);
    const topOrigin = originOf(topUrl);
    const candidates = [...(tab?.entries() ?? [])]
      .filter(([, f]) => f.forms.some((x) => LOGIN_KINDS.has(x.kind)) && fits(matchUrl(credentialUrl, f.url, 'domain'), insecureOk))
      .sort(([a, fa], [b, fb]) => Number(originOf(fb.url) === topOrigin) - Number(originOf(fa.url) === topOrigin) || a - b)
      .map(([id]) => id);
    if (!candidates.length) candidates.push(0);
    return this.sendFill(tabId, candidates[0], credentialUrl, fill, insecureOk);
  }

  /**
   * Asks the frame where it is now, and fills only if that still matches the credential (an https login
   * on an http page only when the user confirmed it: insecureOk).
   */
  private async sendFill(tabId: number, frameId: number, credentialUrl: string, fill: FillMessage, insecureOk = false): Promise<{ filled: string[] }> {
    const now = (await this.tabs.sendToFrame(tabId, frameId, { type: 'detect' })) as DetectResult | undefined;
    if (!now || typeof now.url !== 'string' || !fits(matchUrl(credentialUrl, now.url, 'domain'), insecureOk)) throw new Error('the page changed; not filled');
    const r = (await this.tabs.sendToFrame(tabId, frameId, fill)) as { filled?: string[] } | undefined;
    return { filled: r?.filled ?? [] };
  }
}
