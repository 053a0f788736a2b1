// The seams between the vault and the Mesh protocol code owned by others: F2's sync session and device
// connection over F1's client. The worker is written against these interfaces; mesh-adapter.ts binds
// them to the real modules, and unit tests supply fakes.
import type { ConnectStep, DeviceInfo, IssuedPinView, PendingRequestView, StoreName } from '../shared/messages.ts';
import type { StoreReplica, SyncLocal } from '../mesh/sync.ts';

export interface SyncOutcome {
  /** Edits now waiting for the user (same-field conflicts). */
  conflicts: number;
}

export interface SyncBackend {
  /**
   * Opens a store's replica from the local frames (verifying them) and its pending queue; the vault
   * shows its catalog and edits its pending queue from then on.
   */
  openStore(store: StoreName, local: SyncLocal): Promise<StoreReplica>;
  /**
   * One sync of every store the device holds (Status → Download → verify → apply → Transact), called
   * inside Vault.exclusive. Throws a MeshError: 'network' when the service is unreachable; 'integrity' |
   * 'signature' | 'rollback' when the service misbehaved (detail.store names the store; nothing from it
   * was applied).
   */
  sync(local: SyncLocal, replicas: StoreReplica[]): Promise<SyncOutcome>;
  /** Administration (only on an administration device). */
  admin?: AdminBackend;
}

export interface AdminBackend {
  devices(): Promise<DeviceInfo[]>;
  /** Answers PIN requests automatically and returns the requests waiting for approval. */
  pending(): Promise<PendingRequestView[]>;
  accept(id: string): Promise<void>;
  reject(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  issuePin(validMinutes: number): Promise<IssuedPinView>;
}

export interface ConnectResult {
  address: string;
  profileUdf: string;
  serviceUrl?: string;
  /** Private device state to seal with the device secrets. */
  secrets: unknown;
  /** Recovery shares of a newly created Mesh: shown once, never stored. */
  escrow?: { shares: string[]; quorum: number };
}

export interface ConnectBackend {
  /**
   * Starts connecting to an account; reports steps (the witness to compare while waiting for approval)
   * and resolves when the admin device accepted.
   */
  connect(
    request: { address: string; pin?: string; serviceUrl?: string },
    progress: (s: ConnectStep) => void,
    signal: AbortSignal,
    /** Where the flow keeps what it needs to resume polling after the worker stopped. */
    checkpoint: { saved?: unknown; save(c: unknown): Promise<void> },
  ): Promise<ConnectResult>;
  /** Creates a new Mesh profile and account at the service; this browser becomes its administrator. */
  create(request: { address: string; serviceUrl?: string }): Promise<ConnectResult>;
  /**
   * Rebuilds the account secret from recovery shares and rejoins the account at its service as a new
   * administration device (owner-recovery credential); optional in test fakes.
   */
  recover?(request: { address: string; shares: string[]; serviceUrl?: string }): Promise<ConnectResult>;
}

/** Builds the sync backend from the device's sealed Mesh state; undefined when not connected. */
export type SyncBackendFactory = (meshSecrets: unknown, persist: (meshSecrets: unknown) => Promise<void>) => SyncBackend | undefined;
