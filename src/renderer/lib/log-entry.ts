// One row of a session log (TCP, UDP, TLS sockets…): data in or out, or a notice.
export interface LogEntry {
  id: number;
  at: number;
  dir: 'in' | 'out' | 'info' | 'error';
  /** Who sent or received it: a client id, "ip:port", … */
  peer?: string;
  data?: Uint8Array;
  /** True length of the data (may exceed data.length when truncated). */
  bytes?: number;
  truncated?: boolean;
  /** Socket reads or writes merged into this row (stream engines coalesce within a few ms). */
  reads?: number;
  text?: string;
}
