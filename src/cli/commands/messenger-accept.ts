// `wirelab chat presence --accept-files DIR`: every file offered in a direct conversation is accepted
// into DIR (a name already there gets " (1)", " (2)" … — nothing is ever overwritten) and reported as
// it goes; the engine verifies the SHA-256 before the file takes its name.
import { existsSync, mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { MessengerFileTransfer } from '../../shared/contract/messenger';
import type { Io } from '../framework';
import type { Client } from './messenger';

function freeName(dir: string, name: string): string {
  const safe = basename(name) || 'file';
  const ext = extname(safe);
  const stem = safe.slice(0, safe.length - ext.length);
  let p = join(dir, safe);
  for (let i = 1; existsSync(p) || existsSync(`${p}.part`); i++) p = join(dir, `${stem} (${i})${ext}`);
  return p;
}

function describe(t: MessengerFileTransfer): string {
  const who = t.direction === 'send' ? `to ${t.peerNick}` : `from ${t.peerNick}`;
  const why = t.code ? ` ${t.code}${t.message ? `: ${t.message}` : ''}` : '';
  const where = t.savedTo && t.state === 'done' ? ` → ${t.savedTo}` : '';
  return `file ${t.name} (${t.size} bytes) ${who}: ${t.state}${where}${why}`;
}

/** Prints file events (state changes only, not progress) and accepts offers into `dir`. */
export function acceptFiles(client: Client, dir: string, io: Io): void {
  const into = resolve(dir);
  mkdirSync(into, { recursive: true });
  const seen = new Map<string, string>();
  client.onEvent((e) => {
    if (e.engine !== 'messenger' || e.type !== 'file') return;
    const t = e.transfer;
    if (seen.get(t.fileId) === t.state) return;
    seen.set(t.fileId, t.state);
    io.out(describe(t), { type: 'file', ...t });
    if (t.direction !== 'receive' || t.state !== 'offered') return;
    void client.api.messenger.fileAccept({ fileId: t.fileId, saveAs: freeName(into, t.name) }).then((r) => {
      if (!r.ok) io.err(`wirelab: ${r.error.code}: ${r.error.message}`);
    });
  });
}

export { describe as describeTransfer };
