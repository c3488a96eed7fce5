// Every CLI command. A tool adds its module and one entry here.
import type { Command } from '../framework';
import { serve } from './serve';
import { tcpListen, tcpSend } from './tcp';
import { udpListen, udpSend } from './udp';
import { labTcpVsUdp } from './lab';
import { lbDemoBackends, lbExport, lbRun } from './lb';
import { chatHost, chatJoin, chatList } from './chat';
import { chatDm, chatPeers, chatPresence } from './messenger';
import { chatSendFile } from './messenger-files';
import { httpLoad, httpRequest, httpServe } from './http';
import { httpImport, httpRun } from './http-run';
import { tlsInspect, tlsRequest } from './tls';
import { wsConnect, wsServe } from './ws';

export const commands: Command[] = [
  serve,
  tcpListen,
  tcpSend,
  // more commands are registered below this line
  udpListen,
  udpSend,
  labTcpVsUdp,
  lbRun,
  lbDemoBackends,
  lbExport,
  chatHost,
  chatList,
  chatJoin,
  chatPresence,
  chatPeers,
  chatDm,
  chatSendFile,
  httpServe,
  httpRequest,
  httpLoad,
  httpRun,
  httpImport,
  tlsInspect,
  tlsRequest,
  wsConnect,
  wsServe,
];
