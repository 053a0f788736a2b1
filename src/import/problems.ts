// Import failures are MeshErrors whose message names the line or item; `detail` carries it for the UI.
import { MeshError, type MeshErrorCode } from '../mesh/errors.ts';

export interface ImportErrorDetail {
  format?: string;
  line?: number;
  item?: string;
}

export function importError(code: MeshErrorCode, message: string, detail: ImportErrorDetail = {}): MeshError {
  const where = detail.line !== undefined ? `line ${detail.line}: ` : detail.item ? `${detail.item}: ` : '';
  return new MeshError(code, `${where}${message}`, detail);
}

export function failImport(code: MeshErrorCode, message: string, detail?: ImportErrorDetail): never {
  throw importError(code, message, detail);
}
