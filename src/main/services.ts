// Composition root shared by the Electron main process, the browser shell and tests: one data dir,
// the engines, the dispatcher over them and the event bus their events leave through.
// Adding an engine: construct it here, forward its events to the bus, add it to `handlers`.
import { contract } from '../shared/contract';
import { AppService, type ShellHooks } from './app/app-service';
import { createDispatcher, type Dispatcher, type Handlers } from './dispatcher/dispatcher';
import { EventBus, type EventBusOptions } from './dispatcher/event-bus';
import { TcpWorkbench } from './engines/tcp/workbench';
import { LbService } from './engines/load-balancer/service';
import { UdpService } from './engines/udp/service';
import { TlsSocketService } from './engines/tls-socket/service';
import { PacketLibrary } from './engines/packets/library';
import { openSender } from './packet-senders';
import { LabService } from './engines/lab/service';
import { ChatService } from './engines/chat/service';
import { TlsInspector } from './engines/tls/inspector';
import { HttpServerService } from './engines/http-server/service';
import { HttpClientService } from './engines/http-client/service';
import { loadOrCreateAppCertificate } from './engines/common/app-cert';
import { openDataDir, type DataDir } from './storage/data-dir';
import { WorkspaceService } from './workspace/service';
import { FilesService } from './storage/uploads';
import { WsService } from './engines/ws/service';
import { MessengerService } from './engines/messenger/service';

export interface ServicesOptions extends ShellHooks {
  dataDir: string;
  bus?: Partial<EventBusOptions>;
  /** LAN chat discovery (mDNS). Default: on, except under tests (VITEST) or WIRELAB_NO_DISCOVERY=1. */
  chatDiscovery?: boolean;
  /** Interface name or IPv4 address chat discovery uses; default all. */
  chatInterface?: string;
  /** Start the flagged servers and rejoin the chats saved in workspace.json (default true). */
  restoreWorkspace?: boolean;
}

export interface Services {
  dispatcher: Dispatcher;
  bus: EventBus;
  dataDir: DataDir;
  app: AppService;
  workspace: WorkspaceService;
  /** The workspace restore started with the services; resolves when every session has been tried. */
  restored: Promise<unknown>;
  close(): Promise<void>;
}

export function createServices(options: ServicesOptions): Services {
  const dataDir = openDataDir(options.dataDir);
  const bus = new EventBus(options.bus);
  const app = new AppService(dataDir, options);
  const tcp = new TcpWorkbench();
  app.on((e) => bus.publish(e));
  tcp.on((e) => bus.publish(e));
  const udp = new UdpService();
  udp.on((e) => bus.publish(e));
  const tlssock = new TlsSocketService(dataDir.path);
  tlssock.on((e) => bus.publish(e));
  const packets = new PacketLibrary({ file: dataDir.file('packets.json'), openSender });
  packets.on((e) => bus.publish(e));
  const lab = new LabService();
  lab.on((e) => bus.publish(e));
  const tls = new TlsInspector({ historyFile: dataDir.file('tls-history.json') });
  tls.on((e) => bus.publish(e));

  const lb = new LbService();
  lb.on((e) => bus.publish(e));
  const chat = new ChatService({
    dataDir: dataDir.path,
    discovery: options.chatDiscovery ?? !(process.env.VITEST || process.env.WIRELAB_NO_DISCOVERY === '1'),
    discoveryInterface: options.chatInterface ?? process.env.WIRELAB_CHAT_INTERFACE,
  });
  chat.on((e) => bus.publish(e));
  // The app's LAN setting, applied now and whenever it changes.
  void chat.setDiscoveryAllowed(app.getSettings().lanDiscovery);
  app.on((e) => {
    if (e.type === 'settings.changed') void chat.setDiscoveryAllowed(e.settings.lanDiscovery);
  });
  const httpServer = new HttpServerService({ certificate: () => loadOrCreateAppCertificate(dataDir.path) });
  httpServer.on((e) => bus.publish(e));
  const httpClient = new HttpClientService({
    dir: dataDir.file('http'),
    userAgent: `Wirelab/${options.version}`,
    onStorageProblem: (p) => app.problems.push(p),
  });
  httpClient.on((e) => bus.publish(e));
  const workspace = new WorkspaceService({
    file: dataDir.file('workspace.json'),
    onProblem: (n) => app.problems.push({ file: n.file, movedTo: n.movedTo, message: n.message }),
  });
  workspace.on((e) => bus.publish(e));
  const files = new FilesService({ dir: dataDir.file('uploads') });
  const ws = new WsService();
  ws.on((e) => bus.publish(e));
  // LAN messenger: same instance switch as chat discovery (no multicast under tests).
  const messenger = new MessengerService({
    dataDir: dataDir.path,
    discovery: options.chatDiscovery ?? !(process.env.VITEST || process.env.WIRELAB_NO_DISCOVERY === '1'),
    interfaces: options.chatInterface ? [options.chatInterface] : undefined,
    onStorageProblem: (p) => app.problems.push(p),
  });
  messenger.on((e) => bus.publish(e));
  void messenger.setDiscoveryAllowed(app.getSettings().lanDiscovery);
  app.on((e) => {
    if (e.type === 'settings.changed') void messenger.setDiscoveryAllowed(e.settings.lanDiscovery);
  });
  const handlers: Handlers<typeof contract> = {
    app,
    tcp,
    udp,
    tlssock,
    packets,
    lab,
    lb,
    chat,
    httpServer,
    httpClient,
    tls,
    workspace,
    files,
    ws,
    messenger,
  };
  // Wrapped so the workspace sees every start, change and join, whichever front end made the call.
  const dispatcher = workspace.track(createDispatcher(contract, handlers));
  const restored =
    options.restoreWorkspace === false ? Promise.resolve() : workspace.restore().catch(() => undefined);
  let closing: Promise<void> | undefined;
  return {
    dispatcher,
    bus,
    dataDir,
    app,
    workspace,
    restored,
    close() {
      closing ??= (async () => {
        await restored;
        await tcp.close();
        await chat.close();
        await files.close();
        await httpServer.close();
        await httpClient.close();
        await lb.close();
        await udp.closeAll();
        await tlssock.close();
        await packets.close();
        await lab.close();
        await tls.close();
        await ws.closeAll();
        await messenger.close();
        bus.close();
        dataDir.release();
      })();
      return closing;
    },
  };
}
