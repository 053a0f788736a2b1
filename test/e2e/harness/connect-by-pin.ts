// Joining a browser to an account the `mesh` CLI administers, by PIN, as a user does: the CLI issues a
// PIN, the extension asks to connect with it, and the CLI answers the request on its next syncs.
import { mesh } from '../../integration/cli-helpers.ts';
import type { ExtensionSession } from './session.ts';
import { pollUntil } from './session.ts';
import { call } from './vault-api.ts';

/** The CLI administration device: its home directory, the account and the service URL the browser uses. */
export interface CliAdmin {
  home: string;
  account: string;
  serviceUrl: string;
}

export interface ConnectStep {
  step: string;
  /** The account fingerprint the extension shows. */
  profileUdf?: string;
  error?: string;
}

/** Asks to connect with a fresh PIN and lets the admin answer until the browser may choose its passphrase. */
export async function acceptByPin(s: ExtensionSession, admin: CliAdmin, timeoutMs = 45_000): Promise<ConnectStep> {
  const { pin } = await mesh(admin.home, 'device', 'pin');
  await call(s, 'connect-start', { address: admin.account, pin, serviceUrl: admin.serviceUrl });
  return pollUntil(async () => {
    await mesh(admin.home, 'profile', 'sync');
    const st = await call<ConnectStep>(s, 'connect-state');
    if (st.step === 'failed') throw new Error(st.error);
    return st.step === 'choose-passphrase' ? st : undefined;
  }, 'the connection to be accepted', timeoutMs);
}

/** acceptByPin, then the passphrase: the browser is connected and unlocked. Returns the fingerprint shown. */
export async function connectByPin(s: ExtensionSession, admin: CliAdmin, passphrase: string, kdf: object): Promise<string | undefined> {
  const step = await acceptByPin(s, admin);
  const st = await call<{ phase: string; account?: { address: string } }>(s, 'setup', { passphrase, kdf }, 60_000);
  if (st.phase !== 'unlocked' || st.account?.address !== admin.account) throw new Error(`setup left the browser ${st.phase}, account ${st.account?.address}`);
  return step.profileUdf;
}
