// The messenger's options: every limit a named option over the documented defaults
// (docs/chat-protocol.md, "Limits"). The file-transfer limits are contract/messenger-files.ts.
import { MESSENGER_DEFAULTS } from '../../../shared/contract/messenger';
import { MESSENGER_FILE_DEFAULTS } from '../../../shared/contract/messenger-files';
import type { StorageProblem } from '../common/json-file';
import type { FileLimits } from './files-state';
import type { MeshOptions } from './mesh';

export interface MessengerOptions extends Omit<MeshOptions, 'host' | 'port'>, FileLimits {
  dataDir: string;
  /** The instance switch: false = never any multicast, whatever start() asks (tests, --no-discovery). */
  discovery: boolean;
  /** Interfaces used when start() names none; undefined = every non-loopback IPv4 interface. */
  interfaces?: string[];
  maxOutbox: number;
  maxConversations: number;
  browseRefreshMs: number;
  fsync: 'always' | 'batch' | 'never';
  fsyncIntervalMs: number;
  onStorageProblem?: (p: StorageProblem) => void;
}

export const MESSENGER_SERVICE_DEFAULTS: Omit<MessengerOptions, 'dataDir' | 'discovery'> = {
  maxFrameBytes: MESSENGER_DEFAULTS.maxFrameBytes,
  maxQueuedBytes: MESSENGER_DEFAULTS.maxQueuedBytes,
  helloTimeoutMs: MESSENGER_DEFAULTS.helloTimeoutMs,
  pingIntervalMs: MESSENGER_DEFAULTS.pingIntervalMs,
  connectTimeoutMs: MESSENGER_DEFAULTS.connectTimeoutMs,
  reconnectMinMs: MESSENGER_DEFAULTS.reconnectMinMs,
  reconnectMaxMs: MESSENGER_DEFAULTS.reconnectMaxMs,
  maxPeers: MESSENGER_DEFAULTS.maxPeers,
  fillBatch: MESSENGER_DEFAULTS.fillBatch,
  syncIntervalMs: MESSENGER_DEFAULTS.syncIntervalMs,
  maxOutbox: MESSENGER_DEFAULTS.maxOutbox,
  maxConversations: MESSENGER_DEFAULTS.maxConversations,
  browseRefreshMs: MESSENGER_DEFAULTS.browseRefreshMs,
  fsync: MESSENGER_DEFAULTS.fsync,
  fsyncIntervalMs: MESSENGER_DEFAULTS.fsyncIntervalMs,
  ...MESSENGER_FILE_DEFAULTS,
};
