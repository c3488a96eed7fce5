// Stable error codes shared by every engine and both shells. The renderer shows `errorSentence(code)`;
// engines and transports only ever carry `{ code, message }` (message = technical detail).
// Adding a code: add it here with a sentence a user understands without knowing Node's errno names.

export const errorSentences = {
  // generic / contract
  INVALID_INPUT: 'Some of the values entered are not valid.',
  UNKNOWN_CHANNEL: 'The app asked for an operation that does not exist.',
  FORBIDDEN_SENDER: 'The request came from a page that is not allowed to use Wirelab.',
  NOT_FOUND: 'That session no longer exists — it may have been stopped or closed.',
  INTERNAL: 'Something went wrong inside Wirelab. The details below help when reporting it.',
  LIMIT_EXCEEDED: 'A configured limit was reached.',
  STORAGE_CORRUPT: 'A saved file could not be read; it was set aside and a fresh one started.',
  STORAGE_WRITE_FAILED: 'Wirelab could not save to its data directory.',
  DATA_DIR_LOCKED: 'Another Wirelab instance is already using this data directory.',
  NOT_SUPPORTED: 'This is not supported here.',
  // network
  PORT_OUT_OF_RANGE: 'The port must be a whole number from 0 to 65535 (0 picks a free port).',
  ADDRESS_IN_USE: 'That address and port are already in use by another program or session.',
  ADDRESS_NOT_AVAILABLE: 'That address does not belong to this machine, so nothing can listen on it.',
  PERMISSION_DENIED: 'The system refused: ports below 1024 usually need administrator rights.',
  HOST_NOT_FOUND: 'The host name could not be resolved — check the spelling or your DNS.',
  CONNECTION_REFUSED: 'The connection was refused — nothing is listening on that host and port.',
  CONNECTION_RESET: 'The other side reset the connection.',
  NETWORK_UNREACHABLE: 'The network or host is unreachable from this machine.',
  TIMEOUT: 'The operation timed out.',
  NOT_CONNECTED: 'The socket is not connected, so nothing can be sent.',
  INVALID_HEX: 'The hex text is not valid: use pairs of hex digits (0-9, a-f), spaces allowed.',
  INVALID_ESCAPE: 'The text has an invalid escape: use \\XX with two hex digits.',
  TLS_ERROR: 'The TLS handshake failed.',
} as const;

export type ErrorCode = keyof typeof errorSentences;

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorSentences, value);
}

export function errorSentence(code: string): string {
  return isErrorCode(code) ? errorSentences[code] : errorSentences.INTERNAL;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
