// Message shapes of the 2024 message set as the project binding carries them (protocol.md §6-7).
// Envelopes travel as their JSON array form `[header, body, trailer?]`.

/** A DARE envelope in JSON form. */
export type EnvelopeJson = [Record<string, unknown>, string] | [Record<string, unknown>, string, Record<string, unknown>];

export interface ResponseBase {
  Status?: number;
  StatusExtended?: number;
  StatusDescription?: string;
  ID?: string;
}

export interface RequestBase {
  Service?: string;
  /** Optional request id (base64url); the service answers a repeated Transact ID with its first result. */
  ID?: string;
}

export interface MeshRequestUser extends RequestBase {
  Account?: string;
}

export interface HelloRequest extends RequestBase {}
export interface MeshHelloResponse extends ResponseBase {
  Version?: { Major: number; Minor: number; Encodings?: { ID: string[] }[] };
  EnvelopedProfileService?: EnvelopeJson;
  ConstraintsPost?: ConstraintsData;
}

export interface BindRequest extends RequestBase {
  AccountAddress: string;
  EnvelopedProfileAccount: EnvelopeJson;
}
export interface BindResponse extends ResponseBase {
  EnvelopedAccountHostAssignment?: EnvelopeJson;
}

export interface UnbindRequest extends MeshRequestUser {}
export type UnbindResponse = ResponseBase;

export interface ConnectRequest extends RequestBase {
  EnvelopedRequestConnection: EnvelopeJson;
  Rights?: string[];
}
export interface ConnectResponse extends ResponseBase {
  EnvelopedAcknowledgeConnection?: EnvelopeJson;
  EnvelopedProfileAccount?: EnvelopeJson;
}

export interface CompleteRequest extends MeshRequestUser {
  AccountAddress?: string;
  ResponseID: string;
}
export interface CompleteResponse extends ResponseBase {
  EnvelopedRespondConnection?: EnvelopeJson;
  EnvelopedAccountHostAssignment?: EnvelopeJson;
}

export interface StoreStatus {
  Store: string;
  Index: number;
  /** base64url TreeDigest of the last frame (dare.md §6.5a). */
  Digest?: string;
}

export interface StatusRequest extends MeshRequestUser {
  DeviceUDF?: string;
  CatalogedDeviceDigest?: string;
  Catalogs?: string[];
  Spools?: string[];
}
export interface StatusResponse extends ResponseBase {
  StoreStatus?: StoreStatus[];
  EnvelopedProfileAccount?: EnvelopeJson;
  EnvelopedCatalogedDevice?: EnvelopeJson;
  CatalogedDeviceDigest?: string;
}

export interface ConstraintsSelect {
  Store: string;
  IndexMin?: number;
  IndexMax?: number;
}
export interface ConstraintsData {
  MaxEntries?: number;
  BytesMax?: number;
}

export interface DownloadRequest extends MeshRequestUser {
  MaxResults?: number;
  DeviceUDF?: string;
  CatalogedDeviceDigest?: string;
  Select: ConstraintsSelect[];
  ConstraintsPost?: ConstraintsData;
}

export interface StoreUpdate {
  Store: string;
  /** Transact: informational last index the client saw. */
  Index?: number;
  Envelopes?: EnvelopeJson[];
  Partial?: boolean;
  FinalIndex?: number;
}
export interface DownloadResponse extends ResponseBase {
  Updates?: StoreUpdate[];
  EnvelopedCatalogedDevice?: EnvelopeJson;
  CatalogedDeviceDigest?: string;
}

export interface TransactRequest extends MeshRequestUser {
  Updates?: StoreUpdate[];
  Accounts?: string[];
  Outbound?: EnvelopeJson[];
  Inbound?: EnvelopeJson[];
  Local?: EnvelopeJson[];
}
export interface EntryResponse {
  IndexRequest: number;
  IndexContainer?: number;
  Result: 'Accept' | 'Reject' | 'Conflict';
}
export interface TransactResponse extends ResponseBase {
  Bitmask?: string;
  Entries?: EntryResponse[];
  /** Project extension (sync-performance 13): each catalog written, as this Transact left it (last frame it added). */
  StoreStatus?: StoreStatus[];
}

export interface PostRequest extends RequestBase {
  Accounts?: string[];
  Messages?: EnvelopeJson[];
}

/** Transaction name → request and response types, and the response class tag on the wire. */
export interface Transactions {
  Hello: [HelloRequest, MeshHelloResponse];
  BindAccount: [BindRequest, BindResponse];
  UnbindAccount: [UnbindRequest, UnbindResponse];
  Connect: [ConnectRequest, ConnectResponse];
  Complete: [CompleteRequest, CompleteResponse];
  Status: [StatusRequest, StatusResponse];
  Download: [DownloadRequest, DownloadResponse];
  Transact: [TransactRequest, TransactResponse];
}
export type TransactionName = keyof Transactions;

export const RESPONSE_TAG: Record<TransactionName, string> = {
  Hello: 'MeshHelloResponse',
  BindAccount: 'BindResponse',
  UnbindAccount: 'UnbindResponse',
  Connect: 'ConnectResponse',
  Complete: 'CompleteResponse',
  Status: 'StatusResponse',
  Download: 'DownloadResponse',
  Transact: 'TransactResponse',
};

/** Request class names a lenient service also accepts as the tag (protocol.md §3). */
export const REQUEST_CLASS: Record<string, TransactionName> = {
  HelloRequest: 'Hello',
  BindRequest: 'BindAccount',
  UnbindRequest: 'UnbindAccount',
  ConnectRequest: 'Connect',
  CompleteRequest: 'Complete',
  StatusRequest: 'Status',
  DownloadRequest: 'Download',
  TransactRequest: 'Transact',
};

/** Transactions with no authentication at all, and the device / owner phases (protocol.md §4.2). */
export const PUBLIC_TRANSACTIONS: readonly TransactionName[] = ['Hello'];
export const DEVICE_TRANSACTIONS: readonly TransactionName[] = ['Connect', 'Complete'];
export const OWNER_TRANSACTIONS: readonly TransactionName[] = ['BindAccount'];
