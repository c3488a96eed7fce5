// The tool registry: every page of the app with its OSI layer. Navigation, the router and the OSI map
// are generated from this list, so a tool appears everywhere by adding one entry — and only tools that
// work are listed. Layer texts say what happens at that layer for this tool.
import type { Component } from 'vue';

export type OsiLayer = 7 | 6 | 5 | 4 | 3 | 2 | 1;

export interface ToolDef {
  id: string;
  title: string;
  path: string;
  layer: OsiLayer;
  /** One line in the navigation tooltip and the OSI map. */
  summary: string;
  /** What happens at this layer when the tool runs — shown on the tool's page. */
  layerText: string;
  /** Ctrl/Cmd + this key opens the tool. */
  shortcut?: string;
  component: () => Promise<Component>;
}

export const OSI_LAYERS: Record<OsiLayer, { name: string; text: string }> = {
  7: { name: 'Application', text: 'Protocols programs speak: HTTP requests, chat messages, DNS names.' },
  6: { name: 'Presentation', text: 'Encoding and encryption: character sets, compression, TLS records.' },
  5: { name: 'Session', text: 'Dialogues between endpoints: sessions, resumption, STARTTLS upgrades.' },
  4: { name: 'Transport', text: 'Process-to-process delivery over ports: TCP streams, UDP datagrams.' },
  3: { name: 'Network', text: 'Addressing and routing of packets between hosts: IPv4, IPv6, multicast.' },
  2: { name: 'Data link', text: 'Frames on one link: Ethernet, Wi-Fi, MAC addresses, ARP.' },
  1: { name: 'Physical', text: 'Bits on the medium: cables, radio, signal levels.' },
};

export const tools: ToolDef[] = [
  {
    id: 'tcp-server',
    title: 'TCP server',
    path: '/tcp/server',
    layer: 4,
    shortcut: '1',
    summary: 'Listen on a port, accept many clients, welcome them, send to one or all, echo.',
    layerText:
      'TCP gives each client a reliable, ordered byte stream. Listening binds a port; each connection is a three-way handshake (SYN, SYN-ACK, ACK) the kernel completes before the server sees the client. Bytes arrive as a stream: message boundaries are not kept.',
    component: () => import('./pages/tcp/TcpServerPage.vue'),
  },
  {
    id: 'tcp-client',
    title: 'TCP client',
    path: '/tcp/client',
    layer: 4,
    shortcut: '2',
    summary: 'Connect to host:port, send text or hex, see what comes back as text and hex.',
    layerText:
      'Connecting resolves the name (layer 7 DNS), then opens a TCP connection with a handshake. Sends are queued in the kernel and delivered in order; a refused connection means the other host answered with RST — nothing listens on that port.',
    component: () => import('./pages/tcp/TcpClientPage.vue'),
  },
  // more tools are registered below this line
  {
    id: 'lb',
    title: 'Load balancer',
    path: '/lb',
    layer: 4,
    shortcut: '6',
    summary: 'A TCP load balancer: strategies, health checks, failover, live stats, demo backends, HAProxy/nginx export.',
    layerText:
      'A layer-4 balancer sees connections, not requests: each client connection is accepted, one backend is chosen, and the bytes of both TCP streams are copied across unchanged. It never parses what flows — HTTP, TLS or anything else — so it balances per connection (a keep-alive client stays on one backend) and can only tell the backend the client address through the PROXY protocol.',
    component: () => import('./pages/lb/LoadBalancerPage.vue'),
  },
];
