// Every benchmark section, in run order. A feature adds its section (named after its engine) here.
import type { BenchSection } from '../types';
import { tcpSection } from './tcp';
import { udpSection } from './udp';
import { chatSection } from './chat';
import { httpSection } from './http';
import { lbSection } from './lb';
import { tlsSection } from './tls';
import { shellSection } from './shell';

export const sections: BenchSection[] = [
  tcpSection,
  // more sections are registered below this line
  udpSection,
  chatSection,
  httpSection,
  lbSection,
  tlsSection,
  shellSection,
  // The WebSocket echo figure (ws.ts) is part of section http.
];
