// Who this instance is and whom it knows, in the data dir (`messenger/`): the instance id (made once,
// stable across restarts), the TLS certificate peers pin (engines/common/app-cert, its own pair so the
// HTTP server's certificate can be replaced without changing our identity), and the peer directory —
// every peer's last nickname, address and pinned fingerprint (trust on first use, as the chat client
// pins servers).
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { loadOrCreateAppCertificate, type AppCertificate } from '../common/app-cert';
import { JsonFile, type StorageProblem } from '../common/json-file';
import { MessageSigner, readCertificate } from './signing';

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
  /** The certificate itself (base64 DER), to check the signatures of its messages relayed by others. */
  cert: z.string().optional(),
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
  /** Our signer and certificate (base64 DER), once certificate() has run. */
  private own?: { signer: MessageSigner; cert: string };
  /** Public keys read from stored certificates, by the certificate text. */
  private readonly keys = new Map<string, { fingerprint: string; key: KeyObject }>();

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

  async certificate(): Promise<AppCertificate> {
    const cert = await loadOrCreateAppCertificate(this.dir, { commonName: `Wirelab messenger ${this.id}` });
    this.own = {
      signer: new MessageSigner(createPrivateKey(cert.keyPem)),
      cert: new X509Certificate(cert.certPem).raw.toString('base64'),
    };
    return cert;
  }

  /** Signs and checks our own messages; undefined before certificate(). */
  get signer(): MessageSigner | undefined {
    return this.own?.signer;
  }

  /** The certificate (base64 DER) of `peer` (us too), if we hold it. */
  certOf(peer: string): string | undefined {
    return peer === this.id ? this.own?.cert : this.known.get(peer)?.cert;
  }

  /** The public key `peer` signs with: from its stored certificate, and only while that is the pinned one. */
  keyOf(peer: string): KeyObject | undefined {
    const cert = this.certOf(peer);
    if (!cert) return undefined;
    let read = this.keys.get(cert);
    if (!read) {
      read = readCertificate(cert);
      if (!read) return undefined;
      this.keys.set(cert, read);
    }
    if (peer !== this.id && read.fingerprint.toUpperCase() !== this.pinned(peer)?.toUpperCase())
      return undefined;
    return read.key;
  }

  /** The certificate `peer` presented on a connection, already checked against its pin. */
  rememberCert(peer: string, cert: string): void {
    if (this.known.get(peer)?.cert !== cert) this.remember(peer, { cert });
  }

  /**
   * The certificate of `peer` as a relaying member gave it: kept when it matches the fingerprint pinned
   * (or announced) for `peer`; pinned on first use when nothing is known of it yet (as a first connection
   * would be); refused when it differs from what we know.
   */
  learnCert(peer: string, cert: string, announced?: string): 'known' | 'pinned' | 'refused' {
    if (peer === this.id) return 'known';
    const read = readCertificate(cert);
    if (!read) return 'refused';
    const expected = this.pinned(peer) ?? announced;
    if (expected && expected.toUpperCase() !== read.fingerprint.toUpperCase()) return 'refused';
    if (this.pinned(peer)) {
      this.rememberCert(peer, cert);
      return 'known';
    }
    this.pin(peer, read.fingerprint, this.known.get(peer)?.nick ?? peer, cert);
    return 'pinned';
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
  pin(peer: string, fingerprint: string, nick: string, cert?: string): void {
    const k = this.known.get(peer) ?? { nick };
    this.known.set(peer, { ...k, fingerprint, ...(cert ? { cert } : {}) });
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
