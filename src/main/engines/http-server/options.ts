// The mock server's options with their documented defaults, shared by the orchestrator (server.ts) and the
// request pipeline (handle.ts), so neither imports the other.
import { HTTP_SERVER_DEFAULTS, HttpServerLimits, type HttpRoute } from '../../../shared/contract/http-server';

export interface HttpMockServerOptions {
  host: string;
  port: number;
  tls?: { certPem: string; keyPem: string; fingerprint256?: string };
  /** With `tls`: HTTP/2 and HTTP/1.1 on one port by ALPN. Ignored without `tls` (cleartext is HTTP/1.1). */
  http2: boolean;
  routes: HttpRoute[];
  staticDir: string | null;
  staticListing: boolean;
  staticIndex: string;
  echo: boolean;
  cors: boolean;
  demoApi: boolean;
  helloWorld: boolean;
  limits: HttpServerLimits;
}

export const HTTP_MOCK_SERVER_DEFAULTS: Omit<HttpMockServerOptions, 'port'> = {
  host: HTTP_SERVER_DEFAULTS.host,
  http2: false,
  routes: [],
  staticDir: null,
  staticListing: false,
  staticIndex: HTTP_SERVER_DEFAULTS.staticIndex,
  echo: false,
  cors: false,
  demoApi: true,
  helloWorld: true,
  limits: HttpServerLimits.parse({}),
};

export type HttpMockServerPatch = Partial<
  Pick<
    HttpMockServerOptions,
    'routes' | 'staticDir' | 'staticListing' | 'staticIndex' | 'echo' | 'cors' | 'demoApi' | 'helloWorld'
  >
>;

/** The page answered at `/` when nothing else does. */
export const HELLO_WORLD_BODY = 'Hello, World!';
