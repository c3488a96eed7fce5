// Who this instance is and whom it knows, in the data dir (`messenger/`): the instance id (made once,
// stable across restarts), the TLS certificate peers pin (engines/common/app-cert, its own pair so the
// HTTP server's certificate can be replaced without changing our identity), and the peer directory —
// every peer's last nickname, address and pinned fingerprint (trust on first use, as the chat client
// pins servers).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { loadOrCreateAppCertificate, type AppCertificate } from '../common/app-cert';
import { JsonFile, type StorageProblem } from '../common/json-file';

const IdentityFile = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  nick: z.string().optional(),
});

const KnownPeer = z.object({
  nick: z.string(),
  host: z.string().optional(),
  port: z.number().int().optional(),
  fingerprint: z.string().optional(),
  lastSeen: z.number().optional(),
});
export type KnownPeer = z.infer<typeof KnownPeer>;

const PeersFile = z.object({ peers: z.record(z.string(), KnownPeer).default({}) });

export class Identity {
  readonly id: string;
  lastNick?: string;
  private readonly identityFile: JsonFile<typeof IdentityFile>;
  private readonly peersFile: JsonFile<typeof PeersFile>;
  readonly known: Map<string, KnownPeer>;
  private saveTimer?: NodeJS.Timeout;

  constructor(
    readonly dir: string,
    onProblem: (p: StorageProblem) => void,
  ) {
    this.identityFile = new JsonFile(join(dir, 'identity.json'), IdentityFile, onProblem);
    const idf = this.identityFile.load();
    this.id = idf.id ?? randomBytes(8).toString('hex');
    this.lastNick = idf.nick;
    if (!idf.id) this.identityFile.save({ id: this.id, nick: idf.nick });
    this.peersFile = new JsonFile(join(dir, 'peers.json'), PeersFile, onProblem);
    this.known = new Map(Object.entries(this.peersFile.load().peers));
  }

  certificate(): Promise<AppCertificate> {
    return loadOrCreateAppCertificate(this.dir, { commonName: `Wirelab messenger ${this.id}` });
  }

  rememberNick(nick: string): void {
    if (nick === this.lastNick) return;
    this.lastNick = nick;
    this.identityFile.save({ id: this.id, nick });
  }

  pinned(peer: string): string | undefined {
    return this.known.get(peer)?.fingerprint;
  }

  /** Pins now (synchronously on disk): a pin must not be lost to a crash right after the handshake. */
  pin(peer: string, fingerprint: string, nick: string): void {
    const k = this.known.get(peer) ?? { nick };
    this.known.set(peer, { ...k, fingerprint });
    this.flush();
  }

  /** Nickname/address changes are saved a little later (they change often and are not security). */
  remember(peer: string, update: Partial<KnownPeer>): void {
    const k = this.known.get(peer) ?? { nick: update.nick ?? peer };
    this.known.set(peer, { ...k, ...update });
    if (!this.saveTimer) {
      this.saveTimer = setTimeout(() => this.flush(), 500);
      this.saveTimer.unref();
    }
  }

  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.peersFile.save({ peers: Object.fromEntries(this.known) });
  }
}
