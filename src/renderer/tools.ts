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
    id: 'udp',
    title: 'UDP',
    path: '/udp',
    layer: 4,
    shortcut: '7',
    summary:
      'Bind UDP sockets (IPv4/IPv6), send text or hex, see each datagram with its source, reply, echo, broadcast, multicast.',
    layerText:
      'UDP sends each message as one datagram with no connection, no acknowledgement and no order: what arrives keeps its boundaries, what is lost stays lost. A datagram larger than the path MTU is split by IP (layer 3) into fragments; multicast and broadcast are delivered by layer 3 to every member of a group or subnet.',
    component: () => import('./pages/udp/UdpPage.vue'),
  },
  {
    id: 'packets',
    title: 'Packet library',
    path: '/packets',
    layer: 4,
    shortcut: '8',
    summary:
      'Saved TCP/UDP/TLS packets with \\XX escapes and macros, sent once or repeated, imported and exported as JSON.',
    layerText:
      'Each send opens what its transport needs: a UDP packet is one datagram from an ephemeral port; a TCP or TLS packet is a connection (handshake, data, FIN) per send, with TLS adding its own handshake and records (layer 6) on top.',
    component: () => import('./pages/packets/PacketsPage.vue'),
  },
  {
    id: 'tls-sockets',
    title: 'TLS sockets',
    path: '/tls-sockets',
    layer: 6,
    summary:
      "A TLS server (the app's own certificate or a PEM pair) and client (verify on/off, custom CA, SNI) showing version and cipher.",
    layerText:
      'TLS sits between the application and TCP: after the TCP handshake, client and server agree on a version and cipher, the server proves its identity with a certificate the client may verify against trusted CAs and the name it asked for (SNI), and from then on every byte travels in encrypted, authenticated records.',
    component: () => import('./pages/tlssock/TlsSocketsPage.vue'),
  },
  {
    id: 'lab',
    title: 'TCP vs UDP lab',
    path: '/lab',
    layer: 4,
    summary:
      'The same numbered messages over TCP and UDP through a seeded lossy relay: every difference as a number.',
    layerText:
      'Both columns use layer 4 over the same loopback path. TCP numbers bytes, acknowledges and retransmits, so loss becomes delay and order is kept; UDP hands each datagram to IP once, so loss, duplicates and reordering reach the application unchanged.',
    component: () => import('./pages/lab/LabPage.vue'),
  },
  {
    id: 'chat',
    title: 'LAN chat',
    path: '/chat',
    layer: 7,
    shortcut: '9',
    summary:
      'Everyone on the LAN without a server: direct and group conversations peer to peer over TLS, messages kept until delivered; room servers to host or join — nothing lost.',
    layerText:
      'Chat is an application protocol on top of TCP: newline-delimited JSON frames, each message with an id the server acknowledges after storing it and a per-room sequence number, so a reconnecting client resends what was not acknowledged and fetches what it missed. Servers are found with DNS-SD over multicast DNS (UDP 5353 to 224.0.0.251), which only reaches the local link. With TLS the server proves the same certificate every time; the client pins its fingerprint.',
    component: () => import('./pages/chat/ChatPage.vue'),
  },
  {
    id: 'lb',
    title: 'Load balancer',
    path: '/lb',
    layer: 4,
    shortcut: '6',
    summary: 'TCP load balancer: strategies, health checks, failover, live stats, HAProxy/nginx export.',
    layerText:
      'A layer-4 balancer sees connections, not requests: each client connection is accepted, one backend is chosen, and the bytes of both TCP streams are copied across unchanged. It never parses what flows — HTTP, TLS or anything else — so it balances per connection (a keep-alive client stays on one backend) and can only tell the backend the client address through the PROXY protocol.',
    component: () => import('./pages/lb/LoadBalancerPage.vue'),
  },
  {
    id: 'tls',
    title: 'TLS inspector',
    path: '/tls',
    layer: 6,
    shortcut: '5',
    summary:
      'Inspect host:port: handshake, certificate chain with every problem, versions and suites, weaknesses, grade.',
    layerText:
      'TLS sits between the byte stream of layer 4 and the application: the handshake (hello messages, certificates, key exchange) agrees on a version, a cipher suite and keys, then every record is encrypted and authenticated. STARTTLS upgrades a plaintext session (layer 5) in place. The scan sends its own ClientHellos and reads only the cleartext answers, so it sees exactly what the server accepts.',
    component: () => import('./pages/tls/TlsPage.vue'),
  },
  {
    id: 'http-server',
    title: 'HTTP server',
    path: '/http/server',
    layer: 7,
    shortcut: '3',
    summary:
      'A mock HTTP(S) server: "Hello, World!", a demo /users API, routes with templates, static folder, echo, CORS, request inspector.',
    layerText:
      'HTTP is a request/response protocol on top of a TCP (or TLS) connection: the client sends a request line, headers and an optional body; the server answers with a status line, headers and a body, and may keep the connection open for the next request. Everything the inspector shows — method, path, headers, body — is layer 7; the client address comes from layer 3/4.',
    component: () => import('./pages/http/HttpServerPage.vue'),
  },
  {
    id: 'http-composer',
    title: 'HTTP composer',
    path: '/http/composer',
    layer: 7,
    shortcut: '4',
    summary:
      'Compose HTTP requests: bodies, auth, environments, collections, history, cookies, a timing waterfall, JSON extraction, imports, load runs.',
    layerText:
      'Sending a request walks down the stack: the host name is resolved (DNS), a TCP connection is made (layer 4), TLS is negotiated for https (layer 6, where ALPN also picks HTTP/2 or HTTP/1.1), then the request is written and the response read (layer 7). The waterfall shows how long each of those steps took.',
    component: () => import('./pages/http/HttpComposerPage.vue'),
  },
  {
    id: 'ws',
    title: 'WebSocket & SSE',
    path: '/ws',
    layer: 7,
    summary:
      'WebSocket client (text, binary, JSON, subprotocols, headers, ping, close codes, saved messages), an echo/broadcast server, and an SSE client.',
    layerText:
      'A WebSocket starts as an HTTP/1.1 request with Upgrade: websocket (layer 7); after 101 Switching Protocols the same TCP connection (layer 4, TLS at layer 6 for wss://) carries framed messages in both directions. Server-Sent Events stay plain HTTP: one long response the server keeps writing events into.',
    component: () => import('./pages/ws/WsPage.vue'),
  },
];
