// The mock HTTP server engine as the dispatcher sees it: owns the server sessions of one app instance.
// TLS uses the app's own certificate, supplied by the composition root (the engine does not know where
// the data directory is).
import type { z } from 'zod';
import type {
  HttpServerEvent,
  HttpServerInfo,
  httpServerContract,
} from '../../../shared/contract/http-server';
import { HTTP_SERVER_DEFAULTS } from '../../../shared/contract/http-server';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { HttpMockServer, type HttpMockServerPatch } from './server';

type In<K extends keyof typeof httpServerContract> = z.output<(typeof httpServerContract)[K]['input']>;

export interface HttpServerServiceOptions {
  /** The app's TLS identity; absent → `tls: true` fails with NOT_SUPPORTED. */
  certificate?: () => Promise<{ certPem: string; keyPem: string; fingerprint256: string }>;
}

function patchOf(input: Omit<In<'update'>, 'session'>): HttpMockServerPatch {
  const p: HttpMockServerPatch = {};
  if (input.routes !== undefined) p.routes = input.routes;
  if (input.staticDir !== undefined) p.staticDir = input.staticDir;
  if (input.staticListing !== undefined) p.staticListing = input.staticListing;
  if (input.staticIndex !== undefined) p.staticIndex = input.staticIndex;
  if (input.echo !== undefined) p.echo = input.echo;
  if (input.cors !== undefined) p.cors = input.cors;
  if (input.demoApi !== undefined) p.demoApi = input.demoApi;
  if (input.helloWorld !== undefined) p.helloWorld = input.helloWorld;
  return p;
}

export class HttpServerService extends TypedEmitter<HttpServerEvent> {
  private readonly servers = new Map<string, HttpMockServer>();
  private readonly ids = new IdSequence('http-');

  constructor(private readonly opts: HttpServerServiceOptions = {}) {
    super();
  }

  async start(input: In<'start'>): Promise<HttpServerInfo> {
    let tls: { certPem: string; keyPem: string; fingerprint256: string } | undefined;
    if (input.tls) {
      if (!this.opts.certificate)
        throw new EngineError('NOT_SUPPORTED', 'no application certificate is available for TLS');
      tls = await this.opts.certificate();
    }
    const session = this.ids.next();
    const p = patchOf(input);
    const server = new HttpMockServer(session, {
      host: input.host,
      port: input.port,
      tls,
      // The contract's default: an HTTPS mock speaks h2 unless told not to.
      http2: input.http2 ?? input.tls,
      limits: input.limits,
      routes: p.routes ?? [],
      staticDir: p.staticDir ?? null,
      staticListing: p.staticListing ?? false,
      staticIndex: p.staticIndex ?? HTTP_SERVER_DEFAULTS.staticIndex,
      echo: p.echo ?? false,
      cors: p.cors ?? false,
      demoApi: p.demoApi ?? true,
      helloWorld: p.helloWorld ?? true,
    });
    server.on((e) => this.emit(e));
    const info = await server.start();
    this.servers.set(session, server);
    return info;
  }

  async stop(input: In<'stop'>): Promise<Record<string, never>> {
    await this.server(input.session).close();
    this.servers.delete(input.session);
    return {};
  }

  update(input: In<'update'>): Promise<HttpServerInfo> {
    const { session, ...rest } = input;
    return this.server(session).update(patchOf(rest));
  }

  list(): { servers: HttpServerInfo[] } {
    return { servers: [...this.servers.values()].map((s) => s.info()) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.servers.clear();
  }

  private server(session: string): HttpMockServer {
    const s = this.servers.get(session);
    if (!s) throw new EngineError('NOT_FOUND', `no HTTP server ${session}`);
    return s;
  }
}
