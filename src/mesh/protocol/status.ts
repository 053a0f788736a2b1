// Status codes of Mesh responses (protocol.md §3.1, sync.md §5).
export const STATUS_OK = 201;
export const STATUS_BAD = 400;
export const STATUS_NOT_FOUND = 404;
export const STATUS_CONFLICT = 409;
export const STATUS_INTERNAL = 500;
export const STATUS_OVERLOADED = 503;

/** `StatusExtended` values with Status 400 (409 for Conflict). */
export const Ext = {
  AccountRegistered: 1,
  NotAuthorized: 2,
  NotAdministrator: 3,
  DeviceRevoked: 4,
  Refused: 5,
  NotFound: 6,
  Moved: 7,
  TooLarge: 8,
  Timeout: 9,
  Conflict: 10,
} as const;
export type ExtCode = (typeof Ext)[keyof typeof Ext];

export const DESCRIPTION_OK = 'Operation completed successfully';
export const DESCRIPTION_PENDING = 'MeshResponseNotFound';
