// The people we know of, and how we know it: announcement heard (per interface), an address we were
// given, a connection they opened, or only our history. Whether someone is online is decided here: an
// open connection says so; without one, a DNS-SD record that has not said goodbye does; otherwise they
// are offline since the moment the last of those went away.
import type { MessengerPeer } from '../../../shared/contract/messenger';
import type { PeerLink } from './peer-link';

export interface PeerState {
  id: string;
  nick: string;
  status: 'online' | 'away';
  host?: string;
  port?: number;
  source: MessengerPeer['source'];
  /** Fingerprint announced in DNS-SD TXT (checked against the certificate the peer presents). */
  announcedFp?: string;
  link?: PeerLink;
  /** Interfaces (our IPv4 addresses) where its DNS-SD record is alive. */
  mdns: Set<string>;
  /** It said goodbye (bye frame) and no record or connection has shown it since. */
  gone: boolean;
  offlineSince?: number;
  lastSeen?: number;
  certChanged?: { presented: string; pinned: string };
  dialing: boolean;
  retryTimer?: NodeJS.Timeout;
  backoffMs: number;
  /** peer.appeared was emitted in this run. */
  appeared: boolean;
  /** Presence as last reported, to emit changes only. */
  reported?: MessengerPeer['presence'];
}

export function presenceOf(p: PeerState): MessengerPeer['presence'] {
  if (p.link?.state === 'open') return p.status;
  if (p.mdns.size > 0 && !p.gone) return p.status;
  return 'offline';
}

export function newPeer(id: string, nick: string, source: MessengerPeer['source']): PeerState {
  return {
    id,
    nick,
    status: 'online',
    source,
    mdns: new Set(),
    gone: false,
    dialing: false,
    backoffMs: 0,
    appeared: false,
  };
}

export function peerInfo(p: PeerState, pinned: string | undefined, outbox: number): MessengerPeer {
  const presence = presenceOf(p);
  return {
    id: p.id,
    nick: p.nick,
    host: p.host,
    port: p.port,
    presence,
    offlineSince: presence === 'offline' ? p.offlineSince : undefined,
    lastSeen: p.lastSeen,
    fingerprint: pinned,
    connected: p.link?.state === 'open',
    source: p.source,
    outbox,
    certChanged: p.certChanged,
  };
}
