// HTTP basic-auth prompts answered from the catalog (opt-in, issue 7). The webRequest API exists only
// while the optional permissions below are granted, which the settings page requests when the user turns
// the option on (and gives back when it is turned off): no webRequest access for users who never use it.
// Chromium (MV3) answers through `webRequestAuthProvider` + 'asyncBlocking'; Firefox supports the same
// pair, so one code path serves both.

/** The optional permissions the option needs (manifest `optional_permissions`). */
export const BASIC_AUTH_PERMISSIONS = ['webRequest', 'webRequestAuthProvider'];

export interface AuthChallenge {
  requestId: string;
  url: string;
  /** A proxy asks (407): never answered from the catalog. */
  isProxy?: boolean;
  /** 'basic' or 'digest' (Chromium); absent in Firefox. */
  scheme?: string;
}

export interface AuthAnswer {
  authCredentials?: { username: string; password: string };
}

export type AuthLookup = (url: string) => Promise<{ username: string; password: string } | undefined>;

const MAX_TRACKED = 500;

/** Decides the answer to one challenge; never twice for the same request (wrong credentials would loop). */
export class BasicAuthResponder {
  private answered = new Set<string>();

  constructor(private readonly lookup: AuthLookup) {}

  async answer(challenge: AuthChallenge): Promise<AuthAnswer> {
    if (challenge.isProxy) return {};
    if (challenge.scheme && !/^(basic|digest)$/i.test(challenge.scheme)) return {};
    if (!/^https?:\/\//i.test(challenge.url)) return {};
    // Our credentials were refused: let the browser ask the user instead of retrying forever.
    if (this.answered.has(challenge.requestId)) return {};
    const found = await this.lookup(challenge.url).catch(() => undefined);
    if (!found) return {};
    this.answered.add(challenge.requestId);
    if (this.answered.size > MAX_TRACKED) this.answered.delete(this.answered.values().next().value!);
    return { authCredentials: { username: found.username, password: found.password } };
  }
}

type AsyncListener = (details: AuthChallenge, callback: (answer: AuthAnswer) => void) => void;

export interface AuthRequiredEvent {
  addListener(listener: AsyncListener, filter: { urls: string[] }, extraInfoSpec: string[]): void;
  removeListener(listener: AsyncListener): void;
  hasListener(listener: AsyncListener): boolean;
}

/**
 * Registers the listener when the API is there (the permission is granted). Call it at the worker's top
 * level (so the event wakes a stopped worker) and again from permissions.onAdded.
 */
export function installBasicAuth(getEvent: () => AuthRequiredEvent | undefined, responder: BasicAuthResponder): { install(): boolean } {
  let listener: AsyncListener | undefined;
  const install = (): boolean => {
    const event = getEvent();
    if (!event) return false;
    if (listener && event.hasListener(listener)) return true;
    listener = (details, callback) => {
      responder.answer(details).then(callback, () => callback({}));
    };
    event.addListener(listener, { urls: ['<all_urls>'] }, ['asyncBlocking']);
    return true;
  };
  install();
  return { install };
}
