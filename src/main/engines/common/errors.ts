// Engines throw EngineError with a stable code; the dispatcher turns it into `{ code, message }`.
// This module knows Node's errno names so that nothing above it has to.
import type { ErrorCode, ErrorInfo } from '../../../shared/errors';

export class EngineError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

const ERRNO_TO_CODE: Record<string, ErrorCode> = {
  EADDRINUSE: 'ADDRESS_IN_USE',
  EADDRNOTAVAIL: 'ADDRESS_NOT_AVAILABLE',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  ENOTFOUND: 'HOST_NOT_FOUND',
  EAI_AGAIN: 'HOST_NOT_FOUND',
  EAI_NONAME: 'HOST_NOT_FOUND',
  EAI_FAIL: 'HOST_NOT_FOUND',
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  ETIMEDOUT: 'TIMEOUT',
  ENETUNREACH: 'NETWORK_UNREACHABLE',
  EHOSTUNREACH: 'NETWORK_UNREACHABLE',
  ERR_SOCKET_BAD_PORT: 'PORT_OUT_OF_RANGE',
  EINVAL: 'INVALID_INPUT',
};

/** Maps any thrown value to a coded EngineError, keeping Node's own text as the detail. */
export function toEngineError(err: unknown, context?: string): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  const errno = e?.code ?? '';
  const code: ErrorCode = ERRNO_TO_CODE[errno] ?? (errno.startsWith('ERR_SSL') ? 'TLS_ERROR' : 'INTERNAL');
  const detail = e?.message ?? String(err);
  return new EngineError(code, context ? `${context}: ${detail}` : detail, { cause: err });
}

export function errorInfo(err: unknown): ErrorInfo {
  return toEngineError(err).toInfo();
}
