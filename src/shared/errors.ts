// Stable error codes shared by every engine and both shells. The renderer shows `errorSentence(code)`;
// engines and transports only ever carry `{ code, message }` (message = technical detail).
// Adding a code: add it here with a sentence a user understands without knowing Node's errno names.

export const errorSentences = {
  // generic / contract
  INVALID_INPUT: 'Some of the values entered are not valid.',
  UNKNOWN_CHANNEL: 'The app asked for an operation that does not exist.',
  FORBIDDEN_SENDER: 'The request came from a page that is not allowed to use Wirelab.',
  NOT_FOUND: 'That session no longer exists — it may have been stopped or closed.',
  INTERNAL: 'Something went wrong inside Wirelab. The details below help when reporting it.',
  LIMIT_EXCEEDED: 'A configured limit was reached.',
  STORAGE_CORRUPT: 'A saved file could not be read; it was set aside and a fresh one started.',
  STORAGE_WRITE_FAILED: 'Wirelab could not save to its data directory.',
  DATA_DIR_LOCKED: 'Another Wirelab instance is already using this data directory.',
  ENGINE_HOST_DOWN:
    'The engine process stopped and is being restarted; try again in a moment (your sessions are restored).',
  NOT_SUPPORTED: 'This is not supported here.',
  // network
  PORT_OUT_OF_RANGE: 'The port must be a whole number from 0 to 65535 (0 picks a free port).',
  ADDRESS_IN_USE: 'That address and port are already in use by another program or session.',
  ADDRESS_NOT_AVAILABLE: 'That address does not belong to this machine, so nothing can listen on it.',
  PERMISSION_DENIED: 'The system refused: ports below 1024 usually need administrator rights.',
  HOST_NOT_FOUND: 'The host name could not be resolved — check the spelling or your DNS.',
  CONNECTION_REFUSED: 'The connection was refused — nothing is listening on that host and port.',
  CONNECTION_RESET: 'The other side reset the connection.',
  NETWORK_UNREACHABLE: 'The network or host is unreachable from this machine.',
  TIMEOUT: 'The operation timed out.',
  NOT_CONNECTED: 'Not connected: nothing can be sent or fetched until the connection is back.',
  INVALID_HEX: 'The hex text is not valid: use pairs of hex digits (0-9, a-f), spaces allowed.',
  INVALID_ESCAPE: 'The text has an invalid escape: use \\XX with two hex digits.',
  TLS_ERROR: 'The TLS handshake failed.',
  // chat (docs/chat-protocol.md)
  CHAT_BAD_FRAME: 'The chat peer sent something that is not a valid protocol frame.',
  CHAT_UNKNOWN_FRAME: 'The chat peer sent a frame type this version does not know.',
  CHAT_FRAME_TOO_LARGE: 'A chat frame was larger than the allowed maximum, so the connection was closed.',
  CHAT_VERSION: 'The chat server speaks a protocol version this app does not support.',
  CHAT_HELLO_REQUIRED: 'The chat connection must start with a hello.',
  CHAT_NICK_TAKEN: 'That nickname is already used on this chat server — pick another.',
  CHAT_NICK_INVALID: 'Nicknames are 1–32 letters, digits, _ . or -.',
  CHAT_ROOM_INVALID: 'Room names are 1–64 letters, digits, _ . - or #.',
  CHAT_AUTH_FAILED: 'The chat server password is wrong.',
  CHAT_RATE_LIMITED: 'Messages were sent too fast; the chat server asked to slow down.',
  CHAT_NOT_IN_ROOM: 'Join the room before sending to it.',
  CHAT_NO_SUCH_USER: 'Nobody with that nickname has ever been on this chat server.',
  CHAT_KICKED: 'The chat server operator removed you.',
  CHAT_SERVER_FULL: 'The chat server has reached its connection limit.',
  CHAT_CERT_CHANGED:
    'WARNING: the chat server presented a different certificate than the one remembered for it. Someone may be intercepting the connection. Only trust it if the server operator confirms the new fingerprint.',
  CHAT_FILE_TOO_LARGE: 'The file is larger than the chat server allows.',
  CHAT_FILE_CHECKSUM: 'The received file did not match its SHA-256 checksum and was discarded.',
  CHAT_FILE_CANCELLED: 'The file transfer was cancelled.',
  CHAT_PEER_OFFLINE: 'The other member is not connected right now.',
  CHAT_DISCOVERY_FAILED: 'LAN discovery (mDNS) could not start on this interface.',
  // LAN messenger (docs/chat-protocol.md, "Messenger")
  MESSENGER_NOT_RUNNING: 'LAN chat is off: start it with a nickname first.',
  MESSENGER_PEER_UNKNOWN: 'Nobody with that id or nickname has been seen on the LAN.',
  MESSENGER_NO_CONVERSATION: 'That conversation does not exist (here).',
  MESSENGER_NOT_MEMBER: 'You are not a member of that group (any more).',
  MESSENGER_OUTBOX_FULL:
    'Too many messages are waiting for someone who is offline; wait until they are back before writing more.',
  MESSENGER_CERT_CHANGED:
    'WARNING: this person presented a different certificate than the one remembered for them. Someone may be impersonating them. Only trust it if they confirm the new fingerprint.',
  MESSENGER_IDENTITY_MISMATCH: 'The peer at that address is not the person announced there.',
  MESSENGER_VERSION: 'The peer speaks a messenger protocol version this app does not support.',
  MESSENGER_BAD_FRAME: 'The peer sent something that is not a valid messenger frame.',
  MESSENGER_BAD_SIGNATURE:
    'A message relayed by another member is not signed by the person it names as its sender; it was dropped.',
  MESSENGER_FRAME_TOO_LARGE:
    'A peer frame was larger than the allowed maximum, so the connection was closed.',
  MESSENGER_FILE_TOO_LARGE: 'The file is larger than the receiving side accepts (maxFileBytes).',
  MESSENGER_FILE_CHECKSUM: 'The received file did not match its SHA-256 checksum and was discarded.',
  MESSENGER_FILE_CANCELLED: 'The file transfer was cancelled by one side.',
  MESSENGER_FILE_DECLINED: 'The other person declined the file.',
  MESSENGER_FILE_CHANGED: 'The file being sent changed or disappeared on the sending side; offer it again.',
  MESSENGER_FILE_UNKNOWN: 'There is no file transfer with that id (here).',
  // http (server and composer)
  INVALID_URL: 'The URL is not valid: it needs http:// or https://, a host, and no spaces.',
  INVALID_JSON: 'The JSON is not valid — see the detail for where it goes wrong.',
  INVALID_HEADER:
    "A header is not allowed: names use letters, digits and !#$%&'*+-.^_`|~; values have no line breaks.",
  FILE_UNREADABLE: 'A file could not be read — check that it exists and that Wirelab may read it.',
  TOO_MANY_REDIRECTS: 'The server redirected more times than the configured maximum.',
  CANCELLED: 'The request was cancelled.',
  HTTP_PROTOCOL_ERROR: 'The server answered with something that is not valid HTTP.',
  RESPONSE_INCOMPLETE: 'The connection closed before the whole response arrived.',
  DECODE_FAILED: 'The response body could not be decompressed: its gzip, br or deflate data is damaged.',
  IMPORT_FAILED: 'The text or file could not be imported: it is not in the expected format.',
  OPENAPI_INVALID:
    'The document is not a valid OpenAPI 3.x or Swagger 2.0 description; the detail says where it breaks the specification.',
  OPENAPI_REF_UNRESOLVED:
    'A $ref in the document could not be resolved: the file or the part it points to is missing, or it is remote (remote references are not followed).',
  PROXY_FAILED: 'The proxy refused or could not make the connection.',
  // udp / packets / lab (issue 7)
  DATAGRAM_TOO_LARGE:
    'The datagram is larger than UDP allows (65,507 bytes of payload over IPv4, 65,527 over IPv6). Anything above the path MTU (often 1,500 bytes) is also fragmented by IP, and one lost fragment loses the whole datagram.',
  INVALID_MULTICAST_GROUP:
    'That is not a multicast group address (IPv4 224.0.0.0–239.255.255.255, IPv6 ff00::/8).',
  ADDRESS_FAMILY_MISMATCH:
    'The address is IPv4 and the socket IPv6 (or the other way round) — bind a socket of the same family.',
  INVALID_IMPORT:
    'The file could not be imported: it is not a valid Wirelab packet list. Nothing was changed.',
  INVALID_CERTIFICATE: 'The certificate or private key is not valid PEM, or they do not belong together.',
  // tls inspector (docs/tls.md)
  NOT_TLS:
    'The server did not answer with TLS — the port may speak plain HTTP or another protocol (try STARTTLS for mail and FTP).',
  TLS_HANDSHAKE_INCOMPLETE: 'The server stopped in the middle of the TLS handshake.',
  TLS_NO_COMMON_PROTOCOL: 'The server refused every TLS version and cipher suite offered.',
  STARTTLS_FAILED: 'The plaintext part of STARTTLS did not go as the protocol expects.',
  STARTTLS_UNSUPPORTED: 'The server does not offer STARTTLS for this protocol.',
  INVALID_CA_FILE:
    'The CA file could not be used: it is missing, too large, or holds no valid PEM certificate.',
  TLS_SCAN_LIMIT: 'The scan reached its handshake limit before it finished; raise the limit or scan less.',
  // websocket and sse (docs/ws.md)
  WS_INVALID_URL:
    'The WebSocket URL is not valid: it needs ws:// or wss:// (http:// and https:// are accepted too) and a host.',
  WS_HANDSHAKE_FAILED:
    'The server did not accept the WebSocket upgrade — see the detail for the status it answered.',
  WS_INVALID_CLOSE_CODE:
    'A close code must be 1000 or from 3000 to 4999 (other codes are reserved for the protocol).',
  WS_MESSAGE_TOO_LARGE:
    'A WebSocket message was larger than the configured maximum, so the connection was closed (code 1009).',
  WS_PROTOCOL_ERROR: 'The other side broke the WebSocket protocol, so the connection was closed.',
  SSE_BAD_RESPONSE:
    'The server did not answer with an event stream (status 200 and Content-Type text/event-stream).',
  // load balancer (docs/load-balancer.md)
  LB_INVALID_BACKEND:
    'A backend address is not valid: use HOST:PORT with an IP address or host name (IPv6 as [addr]:port).',
  LB_WEIGHT_OUT_OF_RANGE: 'A backend weight must be a whole number from 1 to 256.',
  LB_DUPLICATE_BACKEND: 'That backend (host and port) is already in this balancer.',
  LB_NO_BACKEND: 'No backend is available (all are down, disabled or draining), so the client was closed.',
  LB_QUEUE_FULL: 'Every backend was full and the wait queue too, so the client was closed.',
  LB_QUEUE_TIMEOUT: 'The client waited in the queue longer than the queue timeout and was closed.',
} as const;

export type ErrorCode = keyof typeof errorSentences;

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorSentences, value);
}

export function errorSentence(code: string): string {
  return isErrorCode(code) ? errorSentences[code] : errorSentences.INTERNAL;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
