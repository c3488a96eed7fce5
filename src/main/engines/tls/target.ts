// Where an inspection goes: the target text as users type it (host, host:port, [v6]:port, a URL) turned
// into a host and a port, with coded errors for what cannot be one.
import { EngineError } from '../common/errors';

/** host, host:port, [v6], [v6]:port, bare v6. */
export function parseTarget(
  target: string,
  port: number | undefined,
  fallbackPort: number,
): { host: string; port: number } {
  const t = target
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '');
  let host = t;
  let p: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) {
    host = bracket[1] ?? '';
    p = bracket[2] ? Number(bracket[2]) : undefined;
  } else if ((t.match(/:/g) ?? []).length === 1) {
    const [h, ps] = t.split(':');
    host = h ?? '';
    if (!/^\d+$/.test(ps ?? '')) throw new EngineError('PORT_OUT_OF_RANGE', `"${ps}" is not a port`);
    p = Number(ps);
  }
  if (!host) throw new EngineError('INVALID_INPUT', 'host is required');
  const finalPort = port ?? p ?? fallbackPort;
  if (!Number.isInteger(finalPort) || finalPort < 1 || finalPort > 65535)
    throw new EngineError('PORT_OUT_OF_RANGE', `port ${finalPort} is not 1..65535`);
  return { host, port: finalPort };
}
