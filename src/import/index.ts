// Public API of the importer. See docs/import.md.
export { importFile, detectCsvFormat } from './import.ts';
export { planImport, type DuplicatePolicy, type ExistingCredential, type ImportPlan, type PlanOptions } from './plan.ts';
export { editsForPlan, existingFromCatalog, existingFromView, toCredentialInput } from './catalog.ts';
export { exportBackup, type BackupFormat } from './export.ts';
export { FORMATS, formatInfo, type FormatInfo, type FileKind } from './formats.ts';
export { suggestMapping, mappingFromNames } from './providers/generic-csv.ts';
export { DEFAULT_LIMITS } from './limits.ts';
export { siteOf } from './site.ts';
export type { ImportErrorDetail } from './problems.ts';
export * from './types.ts';
