// Size and count limits of the service (protocol.md §8 item 6). All configurable.
export interface Limits {
  /** Largest request body (HTTP 413 above it). */
  maxRequestBytes: number;
  /** Largest single envelope, JSON form (400/8). */
  maxEnvelopeBytes: number;
  /** Most envelopes in one Transact (all stores and spools together). */
  maxEnvelopesPerRequest: number;
  /** Total stored bytes per account (400/8 when a Transact would exceed it). */
  maxAccountBytes: number;
  /** Most frames in one Download page (Partial beyond). */
  maxDownloadFrames: number;
  /** Most envelope bytes in one Download page. */
  maxDownloadBytes: number;
  /** Most accounts the service will bind. */
  maxAccounts: number;
  /** Largest request header section (credentials are a few KiB). */
  maxHeaderBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxRequestBytes: 4 * 1024 * 1024,
  maxEnvelopeBytes: 64 * 1024,
  maxEnvelopesPerRequest: 5000,
  maxAccountBytes: 512 * 1024 * 1024,
  maxDownloadFrames: 10_000,
  maxDownloadBytes: 16 * 1024 * 1024,
  maxAccounts: 100_000,
  maxHeaderBytes: 64 * 1024,
};
