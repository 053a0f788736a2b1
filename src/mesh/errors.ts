/** Every decoder and protocol failure is a MeshError with a stable machine-readable code. */
export type MeshErrorCode =
  | 'malformed'      // input does not parse
  | 'truncated'      // input ends early
  | 'oversized'      // input exceeds a limit
  | 'unsupported'    // algorithm or version not supported
  | 'integrity'      // digest, MAC or chain mismatch
  | 'signature'      // signature does not verify
  | 'decrypt'        // no key, or decryption failed
  | 'conflict'       // sync conflict
  | 'protocol'       // service answered with an error
  | 'auth'           // authentication failed
  | 'not-found'
  | 'rollback'       // service served an older or different history
  | 'network';

export class MeshError extends Error {
  constructor(
    readonly code: MeshErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'MeshError';
  }
}

export function fail(code: MeshErrorCode, message: string, detail?: unknown): never {
  throw new MeshError(code, message, detail);
}
