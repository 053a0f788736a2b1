// The neutral import form. Other layers convert ImportRecord into catalog entries.

/** One login read from an export, before it becomes a catalog entry. */
export interface ImportRecord {
  title: string;
  /** Every site address of the login, in export order; may be empty. */
  urls: string[];
  username: string;
  password: string;
  notes: string;
  /** An `otpauth://` URI or a bare Base32 secret, exactly as exported; '' when none. */
  totp: string;
  /** Folder path with '/' between levels; '' when none. */
  folder: string;
  /** ISO 8601, when the export says. */
  created?: string;
  modified?: string;
  /** 1-based line of the CSV row the record came from (CSV formats). */
  sourceLine?: number;
  /** Where in a JSON/XML/zip export the record came from, e.g. 'vault "Personal", item 3'. */
  sourceItem?: string;
}

/** The fields a column mapping can fill, in the order the UI should offer them. */
export const RECORD_FIELDS = ['title', 'url', 'username', 'password', 'notes', 'totp', 'folder'] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** Why an item of the export was not imported. */
export type SkipKind = 'cards' | 'identities' | 'notes' | 'trashed' | 'empty' | 'other';

export interface ImportReport {
  format: FormatId;
  /** Human name of the format, e.g. 'Chrome, Edge, Brave or Opera CSV'. */
  formatLabel: string;
  /** Text encoding the file was read with (CSV/JSON/XML), e.g. 'utf-8'. */
  encoding?: string;
  counts: {
    imported: number;
    skipped: Record<SkipKind, number>;
    /** Items that could not be read and were left out (each has a warning naming it). */
    errors: number;
  };
  warnings: string[];
}

export const FORMAT_IDS = [
  'chrome',
  'firefox',
  'safari',
  'bitwarden-json',
  'bitwarden-csv',
  '1password-1pux',
  '1password-csv',
  'lastpass',
  'keepassxc-csv',
  'keepass-xml',
  'protonpass-json',
  'protonpass-zip',
  'dashlane',
  'nordpass',
  'csv',
] as const;
/** 'csv' is any other CSV, read through a column mapping. */
export type FormatId = (typeof FORMAT_IDS)[number];

/** Column index (0-based) per field; unmapped fields stay empty. `password` must be mapped. */
export type ColumnMapping = Partial<Record<RecordField, number>>;

export interface MappingRequest {
  kind: 'needs-mapping';
  format: 'csv';
  headers: string[];
  suggested: ColumnMapping;
  /** Up to five data rows, for the mapping screen. */
  sample: string[][];
  rowCount: number;
  encoding: string;
}

export interface ImportResult {
  kind: 'records';
  records: ImportRecord[];
  report: ImportReport;
}

export type ImportOutcome = ImportResult | MappingRequest;

/** Parses XML text into a DOM Document (the browser's DOMParser, or @xmldom/xmldom in node). Throws on bad XML. */
export type ParseXml = (text: string) => XmlDocument;

/** The small part of the DOM the KeePass reader uses; both DOMParser implementations provide it. */
export interface XmlDocument {
  documentElement: XmlElement | null;
}
export interface XmlElement {
  tagName: string;
  textContent: string | null;
  childNodes: ArrayLike<XmlNode>;
  getAttribute(name: string): string | null;
}
export interface XmlNode {
  nodeType: number;
}

export interface ImportLimits {
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
  /** Largest decompressed size of the one zip entry that is read, in bytes. */
  maxEntryBytes: number;
  /** Most entries a zip may list. */
  maxZipEntries: number;
  /** Most items (rows, entries) one file may hold. */
  maxItems: number;
}

export interface ImportOptions {
  /** Skip detection and read the file as this format. */
  format?: FormatId;
  /** For a CSV that needs one: the final column mapping (implies format 'csv' when no format is given). */
  mapping?: ColumnMapping;
  /** Needed for KeePass XML; defaults to globalThis.DOMParser where one exists. */
  parseXml?: ParseXml;
  limits?: Partial<ImportLimits>;
}

/** A file to import: its bytes and, when known, its name (used as a hint only). */
export interface ImportFile {
  bytes: Uint8Array;
  name?: string;
}
