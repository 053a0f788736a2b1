// When to sync: on unlock, after local changes (debounced), on the periodic alarm and when the popup
// opens; one run at a time; exponential back-off after failures (a manual "sync now" ignores it).
import { MeshError } from '../mesh/errors.ts';
import type { StoreName, SyncStatus } from '../shared/messages.ts';
import type { Clock } from './platform.ts';

export type SyncTrigger = 'unlock' | 'change' | 'alarm' | 'popup' | 'manual';

export interface SyncRun {
  /** Runs one sync; undefined result means "not connected". */
  (): Promise<{ conflicts: number } | undefined>;
}

export interface IntegrityAlarm {
  (store: StoreName | 'Device', message: string): void;
}

export const DEBOUNCE_MS = 1500;
const BACKOFF_BASE_MS = 15_000;
const BACKOFF_MAX_MS = 30 * 60_000;

export function backoffMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
}

const SECURITY_CODES = new Set(['integrity', 'signature', 'rollback']);

export class SyncScheduler {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private st: SyncStatus = { phase: 'not-connected', pending: 0 };

  constructor(
    private readonly run: SyncRun,
    private readonly clock: Clock,
    private readonly onSecurity: IntegrityAlarm,
    private readonly onStatus: (s: SyncStatus) => void = () => {},
  ) {}

  status(pending: number): SyncStatus {
    return { ...this.st, pending };
  }

  restore(saved: Partial<SyncStatus> | undefined): void {
    if (saved) this.st = { ...this.st, lastSync: saved.lastSync, lastError: saved.lastError };
  }

  /** Asks for a sync; returns when the run it joined (if any) finishes. */
  request(trigger: SyncTrigger): Promise<void> {
    if (trigger === 'change') {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.request('alarm'), DEBOUNCE_MS);
      return Promise.resolve();
    }
    if (trigger !== 'manual' && this.st.nextAttempt && this.clock.now() < this.st.nextAttempt) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Waits for the current run and any debounced one (tests, and before the worker may stop). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.once();
    } while (this.again);
  }

  private async once(): Promise<void> {
    this.set({ ...this.st, phase: this.st.phase === 'not-connected' ? 'not-connected' : 'syncing' });
    try {
      const r = await this.run();
      if (!r) return this.set({ phase: 'not-connected', pending: 0, lastSync: this.st.lastSync, lastError: this.st.lastError });
      this.failures = 0;
      this.set({ phase: 'idle', pending: 0, lastSync: this.clock.now() });
    } catch (e) {
      const err = e instanceof MeshError ? e : new MeshError('network', e instanceof Error ? e.message : String(e));
      this.failures += 1;
      if (SECURITY_CODES.has(err.code)) {
        const store = ((err.detail as { store?: StoreName } | undefined)?.store ?? 'Device') as StoreName | 'Device';
        this.onSecurity(store, err.message);
      }
      this.set({
        phase: err.code === 'network' ? 'offline' : 'error',
        pending: 0,
        lastSync: this.st.lastSync,
        lastError: err.message,
        nextAttempt: this.clock.now() + backoffMs(this.failures),
      });
    }
  }

  private set(s: SyncStatus): void {
    this.st = s;
    this.onStatus(s);
  }
}
