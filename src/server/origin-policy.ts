// Who may talk to the browser shell: a WebSocket upgrade must carry the per-run token and come from
// the shell's own origin. Pure functions, unit-tested; the server only applies them.
import { timingSafeEqual } from 'node:crypto';

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The origins the shell's own page can have: the address it listens on, as 127.0.0.1 or localhost. */
export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}

export function originAllowed(origin: string | undefined, port: number): boolean {
  return typeof origin === 'string' && allowedOrigins(port).includes(origin);
}
