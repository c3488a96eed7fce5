// The events-log line of each load-balancer engine event (none for the per-second samples).
import type { LbEvent } from '../../shared/contract';
import type { LogEntry } from '../lib/log-entry';

export function describeLbEvent(e: LbEvent): { dir: LogEntry['dir']; text: string } | undefined {
  switch (e.type) {
    case 'started':
      return {
        dir: 'info',
        text: `balancing ${e.info.host}:${e.info.port} over ${e.info.backends.length} backend(s), ${e.info.strategy}`,
      };
    case 'stopped':
      return { dir: 'info', text: 'balancer stopped' };
    case 'config':
      return {
        dir: 'info',
        text: `settings changed: strategy ${e.info.strategy}, checks ${e.info.health.type}, PROXY ${e.info.proxyProtocol}`,
      };
    case 'backend.added':
      return { dir: 'info', text: `backend ${e.backend.name} added` };
    case 'backend.updated':
      return {
        dir: 'info',
        text: `backend ${e.backend.name}: weight ${e.backend.weight}, ${e.backend.state}`,
      };
    case 'backend.removed':
      return { dir: 'info', text: `backend ${e.name} removed (${e.activeLeft} connections left to finish)` };
    case 'backend.state':
      return {
        dir: e.health === 'down' ? 'error' : 'info',
        text: `backend ${e.name} is ${e.health.toUpperCase()} (${e.check.detail})`,
      };
    case 'retry':
      return {
        dir: 'error',
        text: `connect to ${e.name} failed (${e.code}) ×${e.count}: client retried on another backend`,
      };
    case 'rejected':
      return { dir: 'error', text: `${e.count} client(s) closed: ${e.reason} (${e.code})` };
    case 'error':
      return { dir: 'error', text: `${e.code}: ${e.message}` };
    default:
      return undefined;
  }
}
