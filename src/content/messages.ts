// The messages between the content script (one per frame) and the background. Imported by both sides.
// The content script never asks for secrets: the background decides what to fill and sends it to the one
// frame (tabs.sendMessage with frameId) after re-checking that frame's URL.

/** What a detected input is for. 'none': never filled. */
export type FieldRole = 'username' | 'password' | 'new-password' | 'confirm' | 'otp' | 'none';

/**
 * - login: username (optional) + current password
 * - username-only: the first step of a username-first login
 * - signup: username + new password (+ confirmation)
 * - change-password: current + new (+ confirmation), or new + confirmation on a reset page
 * - otp: one-time-code fields only
 * - not-login: search, newsletter, e-mail change, password reset request, anything else
 */
export type FormKind = 'login' | 'username-only' | 'signup' | 'change-password' | 'otp' | 'not-login';

export interface FormSummary {
  kind: FormKind;
  /** Roles of the form's fields, in document order (no values). */
  roles: FieldRole[];
}

// ---- content → background -------------------------------------------------------------------------

/** Sent when the set of login-relevant forms of a frame changes. No values, no secrets. */
export interface FormsDetectedMessage {
  type: 'forms-detected';
  url: string;
  forms: FormSummary[];
}

/**
 * Sent after a submit in which the user typed a password. 'update' when the form was a change-password
 * form (the user replaced a password); 'new' otherwise — the background compares with the catalog and
 * decides whether to offer "save" or "update".
 */
export interface SaveOfferMessage {
  type: 'save-offer';
  url: string;
  username: string;
  password: string;
  kind: 'new' | 'update';
  formKind: FormKind;
}

/** Asks for the entries to list under a focused field (titles and usernames only). */
export interface SuggestionsRequest {
  type: 'suggestions';
  url: string;
}

export interface Suggestion {
  id: string;
  title: string;
  username: string;
  /** An https login offered on this http page: the list asks the user before filling it. */
  insecure?: boolean;
}

export interface SuggestionsResponse {
  entries: Suggestion[];
}

/** The user picked a suggestion: the background re-checks the frame and sends a FillMessage. */
export interface FillRequest {
  type: 'fill-request';
  id: string;
  url: string;
  /** The user confirmed, in the list, filling an https login into this http page. */
  confirmInsecure?: boolean;
}

/** The user asked for a generated password in a new-password field (the background generates it). */
export interface GenerateRequest {
  type: 'generate-request';
  url: string;
  /** The field's maxlength (-1 when none), minlength and passwordrules, for the generator. */
  maxLength: number;
  minLength: number;
  rules: string;
}

export type ContentToBackground = FormsDetectedMessage | SaveOfferMessage | SuggestionsRequest | FillRequest | GenerateRequest;

// ---- background → content (tabs.sendMessage to one frame) ------------------------------------------

/** Fill this frame's best login form. Absent values are not filled. */
export interface FillMessage {
  type: 'fill';
  username?: string;
  password?: string;
  totp?: string;
}

export interface FillResult {
  /** The roles that received a value, e.g. ['username', 'password']; empty when nothing fitted. */
  filled: FieldRole[];
  /** The kind of the form that was filled, or null when none qualified. */
  kind: FormKind | null;
}

/** Put a generated password into the focused (or only) new-password field and its confirmation. */
export interface FillGeneratedMessage {
  type: 'fill-generated';
  password: string;
}

/** Report the frame's forms. */
export interface DetectMessage {
  type: 'detect';
}

export interface DetectResult {
  url: string;
  forms: FormSummary[];
}

export type BackgroundToContent = FillMessage | FillGeneratedMessage | DetectMessage;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

/** Validates a message the content script received. */
export function asBackgroundMessage(value: unknown): BackgroundToContent | null {
  if (!isObject(value)) return null;
  switch (value.type) {
    case 'fill':
      return optionalString(value.username) && optionalString(value.password) && optionalString(value.totp) ? (value as unknown as FillMessage) : null;
    case 'fill-generated':
      return typeof value.password === 'string' ? (value as unknown as FillGeneratedMessage) : null;
    case 'detect':
      return { type: 'detect' };
    default:
      return null;
  }
}

/** Validates a message the background received from a content script (shape only). */
export function asContentMessage(value: unknown): ContentToBackground | null {
  if (!isObject(value) || typeof value.url !== 'string') return null;
  switch (value.type) {
    case 'forms-detected':
      return Array.isArray(value.forms) ? (value as unknown as FormsDetectedMessage) : null;
    case 'save-offer':
      return typeof value.username === 'string' && typeof value.password === 'string' && (value.kind === 'new' || value.kind === 'update')
        ? (value as unknown as SaveOfferMessage)
        : null;
    case 'suggestions':
      return value as unknown as SuggestionsRequest;
    case 'fill-request':
      return typeof value.id === 'string' ? (value as unknown as FillRequest) : null;
    case 'generate-request':
      return typeof value.maxLength === 'number' && typeof value.minLength === 'number' && typeof value.rules === 'string'
        ? (value as unknown as GenerateRequest)
        : null;
    default:
      return null;
  }
}
