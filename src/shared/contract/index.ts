// The whole contract. A new engine adds one line to `contract` and its event type to `WirelabEvent`.
import { appContract, type AppEvent } from './app';
import { tcpContract, type TcpEvent } from './tcp';
import { chatContract, type ChatEvent } from './chat';
import { httpServerContract, type HttpServerEvent } from './http-server';
import { httpClientContract, type HttpClientEvent } from './http-client';
import { lbContract, type LbEvent } from './lb';
import { udpContract, type UdpEvent } from './udp';
import { tlssockContract, type TlsSockEvent } from './tlssock';
import { packetsContract, type PacketsEvent } from './packets';
import { labContract, type LabEvent } from './lab';
import { tlsContract, type TlsEvent } from './tls';
import { workspaceContract, type WorkspaceEvent } from './workspace';
import { filesContract } from './files';
import { wsContract, type WsEvent } from './ws';
import { messengerContract, type MessengerEvent } from './messenger';
import type { ContractApi } from './define';

export const contract = {
  app: appContract,
  tcp: tcpContract,
  httpServer: httpServerContract,
  httpClient: httpClientContract,
  chat: chatContract,
  lb: lbContract,
  udp: udpContract,
  tlssock: tlssockContract,
  packets: packetsContract,
  lab: labContract,
  tls: tlsContract,
  workspace: workspaceContract,
  files: filesContract,
  ws: wsContract,
  messenger: messengerContract,
};

export type Contract = typeof contract;
export type EngineName = keyof Contract;

/** Emitted by the event bus in place of events it had to drop from a full buffer. */
export interface DroppedEvent {
  engine: 'bus';
  type: 'dropped';
  /** The engine and session whose events were dropped. */
  forEngine: string;
  session: string;
  at: number;
  count: number;
}

export type WirelabEvent =
  | AppEvent
  | TcpEvent
  | HttpServerEvent
  | HttpClientEvent
  | ChatEvent
  | LbEvent
  | UdpEvent
  | TlsSockEvent
  | PacketsEvent
  | LabEvent
  | TlsEvent
  | WorkspaceEvent
  | WsEvent
  | MessengerEvent
  | DroppedEvent;

export type EventListener = (batch: WirelabEvent[]) => void;

/** The object the renderer talks to, whichever shell provides it. */
export type WirelabApi = ContractApi<Contract> & {
  /** Subscribes to batched engine events; returns an unsubscribe function. */
  onEvents(listener: EventListener): () => void;
  readonly shell: 'electron' | 'browser';
  /**
   * Electron: whether the engine process answers ('restarting' after it died, 'down' if it keeps
   * dying). The browser shell reports the same through its connection state.
   */
  onEngineState?(listener: (state: EngineHostState) => void): () => void;
};

export type EngineHostState = 'up' | 'restarting' | 'down';

/** Channel used for event batches from main to renderer. Not a method channel. */
export const EVENTS_CHANNEL = 'wirelab:events';
/** Renderer → main: "I handled n event batches" (credit-based flow control of EVENTS_CHANNEL). */
export const EVENTS_ACK_CHANNEL = 'wirelab:events-ack';
/** Main → renderer: the engine host's state (EngineHostState). */
export const ENGINE_STATE_CHANNEL = 'wirelab:engine-state';

export * from './define';
export * from './common';
export * from './app';
export * from './tcp';
export * from './http-server';
export * from './http-client';
export * from './http-checks';
export * from './http-runner';
export * from './chat';
export * from './lb';
export * from './udp';
export * from './tlssock';
export * from './packets';
export * from './lab';
export * from './tls';
export * from './workspace';
export * from './files';
export * from './ws';
export * from './messenger';
