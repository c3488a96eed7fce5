// The browser shell's access token, stable per data dir: a tab opened before a restart of the shell on
// the same data dir still holds a valid token and reconnects by itself. The token lives in a file only
// the owner can read (0600), created once; a file that is damaged or readable by others is replaced.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SHELL_TOKEN_FILE = 'browser-shell-token';
const TOKEN_RE = /^[0-9a-f]{64}$/;

export function loadOrCreateShellToken(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SHELL_TOKEN_FILE);
  try {
    const text = readFileSync(file, 'utf8').trim();
    // Group/world-readable means another local user may have copied it: a fresh token is the safe answer.
    if (TOKEN_RE.test(text) && (process.platform === 'win32' || (statSync(file).mode & 0o077) === 0))
      return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('hex');
  saveShellToken(dataDir, token);
  return token;
}

/** Keeps `token` as the data dir's token (a shell reopened on another data dir keeps its token). */
export function saveShellToken(dataDir: string, token: string): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SHELL_TOKEN_FILE);
  // Written aside and renamed: a crash mid-write never leaves a half token that every tab would fail on.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The port the shell last listened on for this data dir, so a restart can take it again (and open tabs reconnect). */
export const SHELL_PORT_FILE = 'browser-shell-port';

export function rememberedPort(dataDir: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(join(dataDir, SHELL_PORT_FILE), 'utf8'), 10);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function rememberPort(dataDir: string, port: number): void {
  try {
    writeFileSync(join(dataDir, SHELL_PORT_FILE), `${port}\n`);
  } catch {
    // Only a convenience: without it a restart picks another port and tabs must be reopened.
  }
}
