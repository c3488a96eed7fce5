// The CLI's way to the engines: the same dispatcher and event bus as the app, composed in process for
// just the engines a command needs. Every call goes through the contract's schema, so the CLI gets the
// UI's defaults, limits and error codes; nothing here validates or fills in options by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildContractApi,
  contract,
  findMethod,
  zodErrorToInfo,
  type Contract,
  type ContractApi,
  type EngineName,
  type WirelabEvent,
} from '../shared/contract';
import type { ErrorCode, ErrorInfo, Result } from '../shared/errors';
import { createDispatcher, type Handlers } from '../main/dispatcher/dispatcher';
import { EventBus } from '../main/dispatcher/event-bus';
import { EngineError } from '../main/engines/common/errors';
import { TcpWorkbench } from '../main/engines/tcp/workbench';
import { UdpService } from '../main/engines/udp/service';
import { LabService } from '../main/engines/lab/service';
import { LbService } from '../main/engines/load-balancer/service';
import { ChatService } from '../main/engines/chat/service';
import { TlsInspector } from '../main/engines/tls/inspector';
import { HttpServerService } from '../main/engines/http-server/service';
import { HttpClientService } from '../main/engines/http-client/service';
import { WsService } from '../main/engines/ws/service';
import { MessengerService } from '../main/engines/messenger/service';
import { loadOrCreateAppCertificate } from '../main/engines/common/app-cert';
import { openDataDir, type DataDir } from '../main/storage/data-dir';
import { version } from './version';

/** Error codes that always mean "the input was wrong", even when an engine (not the schema) noticed. */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'PORT_OUT_OF_RANGE',
  'INVALID_HEX',
  'INVALID_ESCAPE',
  'INVALID_MULTICAST_GROUP',
  'DATAGRAM_TOO_LARGE',
  'INVALID_URL',
  'INVALID_HEADER',
  'INVALID_JSON',
  'LB_INVALID_BACKEND',
  'LB_WEIGHT_OUT_OF_RANGE',
  'LB_DUPLICATE_BACKEND',
  'WS_INVALID_URL',
  'WS_INVALID_CLOSE_CODE',
]);

/** A failed call. `input` is true when the call was refused before the engine ran (bad input → exit 2). */
export class CallError extends EngineError {
  readonly input: boolean;
  constructor(info: ErrorInfo, input: boolean) {
    super(info.code, info.message);
    this.name = 'CallError';
    this.input = input || INPUT_CODES.has(info.code);
  }
}

/** True when an error thrown by a command means bad input (exit 2) rather than a failed operation. */
export function isInputError(err: unknown): boolean {
  if (err instanceof CallError) return err.input;
  return err instanceof EngineError && INPUT_CODES.has(err.code);
}

export function defaultCliDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'wirelab', 'cli');
}

export interface ClientOptions {
  /** Chat (history, certificate) and HTTP server (certificate): the data dir, locked like the app's.
   *  Default defaultCliDataDir(). */
  dataDir?: string;
  /** Chat only: LAN announcements and browsing. Default off. */
  chatDiscovery?: boolean;
  chatInterface?: string;
}

interface Engine {
  on(listener: (e: WirelabEvent) => void): () => void;
}

interface Built {
  handler: object;
  close(): Promise<unknown>;
}

type Factories = { [E in EngineName]?: (ctx: { dataDir(): DataDir }, o: ClientOptions) => Built };

const factories: Factories = {
  tcp: () => {
    const e = new TcpWorkbench();
    return { handler: e, close: () => e.close() };
  },
  udp: () => {
    const e = new UdpService();
    return { handler: e, close: () => e.closeAll() };
  },
  ws: () => {
    const e = new WsService();
    return { handler: e, close: () => e.closeAll() };
  },
  lab: () => {
    const e = new LabService();
    return { handler: e, close: () => e.close() };
  },
  lb: () => {
    const e = new LbService();
    return { handler: e, close: () => e.close() };
  },
  // No history file: a CLI inspection is printed, not kept (inputs also say noHistory).
  tls: () => {
    const e = new TlsInspector();
    return { handler: e, close: () => e.close() };
  },
  // The certificate lives in the data dir, locked only while it is read or made (first --tls use).
  httpServer: (_ctx, o) => {
    const e = new HttpServerService({
      certificate: async () => {
        const dir = openDataDir(o.dataDir ?? defaultCliDataDir());
        try {
          return await loadOrCreateAppCertificate(dir.path);
        } finally {
          dir.release();
        }
      },
    });
    return { handler: e, close: () => e.close() };
  },
  // A folder of this run for the composer's cookies and large bodies, removed at close: a CLI request
  // keeps no history and no cookies between runs.
  httpClient: () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-http-'));
    const e = new HttpClientService({ dir, userAgent: `Wirelab/${version}` });
    return {
      handler: e,
      close: async () => {
        await e.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  chat: (ctx, o) => {
    const e = new ChatService({
      dataDir: ctx.dataDir().path,
      discovery: o.chatDiscovery ?? false,
      discoveryInterface: o.chatInterface,
    });
    return { handler: e, close: () => e.close() };
  },
  // Identity, peers and history in the data dir; DNS-SD only when asked (chatDiscovery).
  messenger: (ctx, o) => {
    const e = new MessengerService({
      dataDir: ctx.dataDir().path,
      discovery: o.chatDiscovery ?? false,
      interfaces: o.chatInterface ? [o.chatInterface] : undefined,
    });
    return { handler: e, close: () => e.close() };
  },
};

export interface CliClient<E extends EngineName> {
  /** The typed API object, as the renderer has it: every method answers a Result. */
  api: ContractApi<Pick<Contract, E>>;
  /** Calls through the dispatcher and returns the value, or throws a CallError with the call's code. */
  must<T>(call: Promise<Result<T>>): Promise<T>;
  /**
   * Runs the input schema of `channel` — the dispatcher's own first step, same codes — without calling
   * the engine; throws a CallError for bad input. For checking a payload before a connection is opened.
   */
  check(channel: string, input: unknown): void;
  /** Events of these engines, one at a time, as the event bus delivers them (in batches). */
  onEvent(listener: (e: WirelabEvent) => void): () => void;
  /** Delivers what the bus holds now (before printing a final line). */
  flush(): void;
  close(): Promise<void>;
}

/** Composes the named engines behind one dispatcher and event bus. Close it when done. */
export function openClient<E extends EngineName>(engines: E[], options: ClientOptions = {}): CliClient<E> {
  let dataDir: DataDir | undefined;
  const ctx = { dataDir: () => (dataDir ??= openDataDir(options.dataDir ?? defaultCliDataDir())) };
  const bus = new EventBus();
  const built: Built[] = [];
  const handlers: Record<string, object> = {};
  const sub: Record<string, Contract[EngineName]> = {};
  // Set synchronously when the dispatcher hands a call to an engine: a call that fails without
  // reaching it was refused by the schema, i.e. bad input.
  let reached = false;
  try {
    for (const name of engines) {
      const make = factories[name];
      if (!make) throw new EngineError('NOT_SUPPORTED', `the CLI has no ${name} engine`);
      const b = make(ctx, options);
      built.push(b);
      (b.handler as Engine).on((e) => bus.publish(e));
      handlers[name] = new Proxy(b.handler, {
        get(target, prop, receiver) {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            reached = true;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      sub[name] = contract[name];
    }
  } catch (err) {
    for (const b of built) void b.close();
    dataDir?.release();
    throw err;
  }
  const dispatcher = createDispatcher(sub, handlers as unknown as Handlers<typeof sub>);
  const lastReached = new WeakMap<Promise<unknown>, boolean>();
  const api = buildContractApi(sub, (channel, input) => {
    reached = false;
    const p = dispatcher.call(channel, input);
    lastReached.set(p, reached);
    return p;
  }) as unknown as ContractApi<Pick<Contract, E>>;
  let closing: Promise<void> | undefined;
  return {
    api,
    async must<T>(call: Promise<Result<T>>): Promise<T> {
      const r = await call;
      if (r.ok) return r.value;
      throw new CallError(r.error, lastReached.get(call) === false);
    },
    check(channel, input) {
      const spec = findMethod(sub, channel);
      if (!spec) throw new CallError({ code: 'UNKNOWN_CHANNEL', message: channel }, false);
      const r = spec.input.safeParse(input);
      if (!r.success) throw new CallError(zodErrorToInfo(r.error), true);
    },
    onEvent(listener) {
      return bus.subscribe((batch) => {
        for (const e of batch) listener(e);
      });
    },
    flush: () => bus.flush(),
    close() {
      closing ??= (async () => {
        for (const b of built.reverse()) await b.close();
        bus.close();
        dataDir?.release();
      })();
      return closing;
    },
  };
}
