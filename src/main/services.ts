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
import { openDataDir, type DataDir } from './storage/data-dir';

export interface ServicesOptions extends ShellHooks {
  dataDir: string;
  bus?: Partial<EventBusOptions>;
}

export interface Services {
  dispatcher: Dispatcher;
  bus: EventBus;
  dataDir: DataDir;
  app: AppService;
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

  const lb = new LbService();
  lb.on((e) => bus.publish(e));
  const handlers: Handlers<typeof contract> = { app, tcp, udp, tlssock, lb };
  const dispatcher = createDispatcher(contract, handlers);
  let closing: Promise<void> | undefined;
  return {
    dispatcher,
    bus,
    dataDir,
    app,
    close() {
      closing ??= (async () => {
        await tcp.close();
        await lb.close();
        await udp.closeAll();
        await tlssock.close();
        bus.close();
        dataDir.release();
      })();
      return closing;
    },
  };
}
