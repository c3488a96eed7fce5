// The packet library: saved packets persisted atomically in the data directory (packets.json), import
// and export as JSON (all-or-nothing: a bad file changes nothing), and send jobs that repeat a packet N
// times every T ms with macros expanded per send. It knows the wire only through ./senders.
import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  PACKETS_DEFAULTS,
  Packet,
  PacketFile,
  PacketInput,
  type PacketJobInfo,
  type PacketsEvent,
  type packetsContract,
} from '../../../shared/contract/packets';
import { encodePayloadText, type MacroContext } from '../../../shared/payload-text';
import { wireBytes } from '../common/bytes';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { JsonFile, type StorageProblem } from '../common/json-file';
import { formatPeer } from '../common/net';
import type { OpenSender, Sender } from './sender';

type In<K extends keyof typeof packetsContract> = z.output<(typeof packetsContract)[K]['input']>;
type PacketIn = z.output<typeof PacketInput>;

export interface PacketLibraryOptions {
  /** Absolute path of packets.json. */
  file: string;
  maxPackets: number;
  maxJobs: number;
  /** Finished jobs kept for `jobs()`. */
  keepFinishedJobs: number;
  connectTimeoutMs: number;
  maxEventDataBytes: number;
  /** Puts packets on the wire (src/main/packet-senders.ts in the app; injected, see ./sender). */
  openSender: OpenSender;
}

export const PACKET_LIBRARY_DEFAULTS = {
  maxPackets: PACKETS_DEFAULTS.maxPackets,
  maxJobs: PACKETS_DEFAULTS.maxJobs,
  keepFinishedJobs: 20,
  connectTimeoutMs: PACKETS_DEFAULTS.connectTimeoutMs,
  maxEventDataBytes: PACKETS_DEFAULTS.maxEventDataBytes,
};

/** Import entries may omit what the library fills in (id, timestamps). */
const ImportEntry = PacketInput.extend({
  createdAt: Packet.shape.createdAt.optional(),
  updatedAt: Packet.shape.updatedAt.optional(),
});
function importSchema(max: number) {
  return PacketFile.extend({ packets: ImportEntry.array().max(max) });
}

export function macroContext(counter: number): MacroContext {
  return { counter, now: Date.now(), random: () => randomBytes(4).readUInt32BE(0), uuid: () => randomUUID() };
}

/** Bytes of one send of `p` (macros expanded with `counter`); INVALID_HEX / INVALID_ESCAPE when bad. */
export function packetBytes(p: Pick<Packet, 'payload' | 'encoding'>, counter: number): Uint8Array {
  const r = encodePayloadText(p.payload, p.encoding, macroContext(counter));
  if (!r.ok) throw new EngineError(r.error.code, r.error.message);
  return r.bytes;
}

interface Job {
  info: PacketJobInfo;
  cancelled: boolean;
  wake?: () => void;
  finished: Promise<void>;
}

export class PacketLibrary extends TypedEmitter<PacketsEvent> {
  private readonly options: PacketLibraryOptions;
  private readonly store: JsonFile<typeof PacketFile>;
  private packets: Packet[];
  private readonly jobsById = new Map<string, Job>();
  private readonly jobIds = new IdSequence('job-');
  /**
   * Live {{counter}} values of saved packets, ahead of `packets` while jobs run: sends bump them in
   * memory, and they reach the file once per job (or save/reset), not once per datagram.
   */
  private readonly counters = new Map<string, number>();
  readonly problems: StorageProblem[] = [];

  constructor(options: Partial<PacketLibraryOptions> & { file: string; openSender: OpenSender }) {
    super();
    this.options = { ...PACKET_LIBRARY_DEFAULTS, ...options };
    this.store = new JsonFile(this.options.file, PacketFile, (p) => this.problems.push(p));
    this.packets = this.store.load().packets;
  }

  list(): { packets: Packet[] } {
    return { packets: this.withCounters(this.packets) };
  }

  save(input: In<'save'>): Packet {
    packetBytes(input, 1); // refuse a payload that could never be sent
    const now = Date.now();
    const existing = input.id ? this.packets.find((p) => p.id === input.id) : undefined;
    if (!existing && this.packets.length >= this.options.maxPackets) {
      throw new EngineError('LIMIT_EXCEEDED', `the library holds at most ${this.options.maxPackets} packets`);
    }
    const id = existing?.id ?? input.id ?? newId();
    const packet: Packet = Packet.parse({
      ...input,
      id,
      counter: input.counter ?? this.counterOf(existing),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    this.counters.set(id, packet.counter);
    const next = existing
      ? this.packets.map((p) => (p.id === packet.id ? packet : p))
      : [...this.packets, packet];
    this.commit(next);
    return { ...packet };
  }

  resetCounter(input: In<'resetCounter'>): Packet {
    const p = this.packets.find((x) => x.id === input.id);
    if (!p) throw new EngineError('NOT_FOUND', `no saved packet ${input.id}`);
    this.counters.set(p.id, input.value);
    this.commit(this.packets);
    return { ...p, counter: input.value };
  }

  remove(input: In<'remove'>): { removed: boolean } {
    const next = this.packets.filter((p) => p.id !== input.id);
    if (next.length === this.packets.length) return { removed: false };
    this.counters.delete(input.id);
    this.commit(next);
    return { removed: true };
  }

  exportJson(input: In<'exportJson'>): { text: string; count: number } {
    const all = this.withCounters(this.packets);
    const chosen = input.ids ? all.filter((p) => input.ids?.includes(p.id)) : all;
    const doc: PacketFile = { format: 'wirelab-packets', version: 1, packets: chosen };
    return { text: `${JSON.stringify(doc, null, 2)}\n`, count: chosen.length };
  }

  /** All or nothing: any problem (syntax, schema, payload, limit) is INVALID_IMPORT and the library is untouched. */
  importJson(input: In<'importJson'>): { added: number; updated: number; total: number } {
    let raw: unknown;
    try {
      raw = JSON.parse(input.text);
    } catch (err) {
      throw new EngineError('INVALID_IMPORT', `not JSON: ${(err as Error).message}`);
    }
    // A bare array of packets is accepted too (hand-written files).
    const parsed = importSchema(this.options.maxPackets).safeParse(
      Array.isArray(raw) ? { packets: raw } : raw,
    );
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || 'root'}: ${i.message}`)
        .join('; ');
      throw new EngineError('INVALID_IMPORT', detail);
    }
    const now = Date.now();
    const base = input.mode === 'replace' ? [] : [...this.packets];
    let added = 0;
    let updated = 0;
    for (const [i, entry] of parsed.data.packets.entries()) {
      try {
        packetBytes(entry, 1);
      } catch (err) {
        throw new EngineError('INVALID_IMPORT', `packets.${i} (${entry.name}): ${(err as Error).message}`);
      }
      const idx = entry.id ? base.findIndex((p) => p.id === entry.id) : -1;
      const packet = Packet.parse({
        ...entry,
        id: entry.id ?? newId(),
        counter: entry.counter ?? this.counterOf(idx >= 0 ? base[idx] : undefined),
        createdAt: entry.createdAt ?? now,
        updatedAt: entry.updatedAt ?? now,
      });
      if (idx >= 0) {
        base[idx] = packet;
        updated += 1;
      } else {
        base.push(packet);
        added += 1;
      }
    }
    if (base.length > this.options.maxPackets)
      throw new EngineError(
        'INVALID_IMPORT',
        `the library would hold ${base.length} packets; the limit is ${this.options.maxPackets}`,
      );
    this.counters.clear();
    this.commit(base);
    return { added, updated, total: base.length };
  }

  send(input: In<'send'>): PacketJobInfo {
    const running = [...this.jobsById.values()].filter((j) => j.info.state === 'running').length;
    if (running >= this.options.maxJobs)
      throw new EngineError('LIMIT_EXCEEDED', `at most ${this.options.maxJobs} send jobs run at once`);
    let packet: Pick<
      Packet,
      | 'name'
      | 'protocol'
      | 'host'
      | 'port'
      | 'payload'
      | 'encoding'
      | 'repeat'
      | 'intervalMs'
      | 'responseWaitMs'
      | 'tlsVerify'
      | 'servername'
    > & {
      id?: string;
    };
    let savedId: string | undefined;
    if (input.id) {
      const p = this.packets.find((x) => x.id === input.id);
      if (!p) throw new EngineError('NOT_FOUND', `no saved packet ${input.id}`);
      packet = p;
      savedId = p.id;
    } else if (input.packet) packet = { ...(input.packet as PacketIn), id: undefined };
    else throw new EngineError('INVALID_INPUT', 'give the id of a saved packet or a packet');
    packetBytes(packet, 1);
    const total = input.repeat ?? packet.repeat;
    const intervalMs = input.intervalMs ?? packet.intervalMs;
    const info: PacketJobInfo = {
      job: this.jobIds.next(),
      ...(packet.id ? { packetId: packet.id } : {}),
      name: packet.name,
      protocol: packet.protocol,
      host: packet.host,
      port: packet.port,
      total,
      sent: 0,
      responses: 0,
      errors: 0,
      state: 'running',
    };
    const job: Job = { info, cancelled: false, finished: Promise.resolve() };
    job.finished = this.run(job, packet, intervalMs, savedId);
    this.jobsById.set(info.job, job);
    this.prune();
    return { ...info };
  }

  async cancel(input: In<'cancel'>): Promise<PacketJobInfo> {
    const job = this.jobsById.get(input.job);
    if (!job) throw new EngineError('NOT_FOUND', `no send job ${input.job}`);
    job.cancelled = true;
    job.wake?.();
    await job.finished;
    return { ...job.info };
  }

  jobs(): { jobs: PacketJobInfo[] } {
    return { jobs: [...this.jobsById.values()].map((j) => ({ ...j.info })) };
  }

  /** Resolves when a job has finished (tests, CLI). */
  async waitForJob(job: string): Promise<PacketJobInfo> {
    const j = this.jobsById.get(job);
    if (!j) throw new EngineError('NOT_FOUND', `no send job ${job}`);
    await j.finished;
    return { ...j.info };
  }

  async close(): Promise<void> {
    for (const j of this.jobsById.values()) {
      j.cancelled = true;
      j.wake?.();
    }
    await Promise.all([...this.jobsById.values()].map((j) => j.finished));
  }

  private counterOf(p: Packet | undefined): number {
    return p ? (this.counters.get(p.id) ?? p.counter) : 0;
  }

  private withCounters(list: Packet[]): Packet[] {
    return list.map((p) => ({ ...p, counter: this.counterOf(p) }));
  }

  private commit(next: Packet[]): void {
    next = this.withCounters(next);
    this.store.save({ format: 'wirelab-packets', version: 1, packets: next });
    this.packets = next;
    this.emit({
      engine: 'packets',
      type: 'library.changed',
      session: 'library',
      at: Date.now(),
      count: next.length,
    });
  }

  private prune(): void {
    const done = [...this.jobsById.values()].filter((j) => j.info.state !== 'running');
    for (const j of done.slice(0, Math.max(0, done.length - this.options.keepFinishedJobs)))
      this.jobsById.delete(j.info.job);
  }

  private async run(
    job: Job,
    packet: Parameters<typeof packetBytes>[0] & Omit<Packet, 'id' | 'counter' | 'createdAt' | 'updatedAt'>,
    intervalMs: number,
    savedId: string | undefined,
  ): Promise<void> {
    await Promise.resolve(); // let send() return the job id before the first event
    const session = job.info.job;
    const to = formatPeer(packet.host, packet.port);
    let sender: Sender | undefined;
    const fail = (index: number, err: unknown) => {
      const e = toEngineError(err);
      job.info.errors += 1;
      this.emit({
        engine: 'packets',
        type: 'job.error',
        session,
        at: Date.now(),
        index,
        code: e.code,
        message: e.message,
      });
    };
    try {
      sender = await this.options.openSender({
        protocol: packet.protocol,
        host: packet.host,
        port: packet.port,
        connectTimeoutMs: this.options.connectTimeoutMs,
        tlsVerify: packet.tlsVerify,
        servername: packet.servername,
      });
      for (let i = 1; i <= job.info.total && !job.cancelled; i++) {
        try {
          // Taken when the send happens, so two jobs of one packet never use the same value.
          const counter = savedId ? this.bumpCounter(savedId) : i;
          const bytes = packetBytes(packet, counter);
          // 'sent' is reported once the bytes are handed to the socket (after connecting, for TCP/TLS).
          const answers = await sender.send(bytes, packet.responseWaitMs, () => {
            job.info.sent += 1;
            this.emit({
              engine: 'packets',
              type: 'job.sent',
              session,
              at: Date.now(),
              index: i,
              counter,
              to,
              ...wireBytes(bytes, this.options.maxEventDataBytes),
            });
          });
          for (const a of answers) {
            job.info.responses += 1;
            this.emit({
              engine: 'packets',
              type: 'job.response',
              session,
              at: Date.now(),
              index: i,
              from: a.from,
              ...wireBytes(a.data, this.options.maxEventDataBytes),
            });
          }
        } catch (err) {
          fail(i, err);
        }
        if (i < job.info.total && intervalMs > 0 && !job.cancelled) await this.sleep(job, intervalMs);
      }
    } catch (err) {
      fail(0, err);
    } finally {
      await sender?.close().catch(() => undefined);
      // The counter reaches the file once per job; a packet deleted meanwhile is not brought back.
      const saved = savedId ? this.packets.find((p) => p.id === savedId) : undefined;
      if (saved && saved.counter !== this.counterOf(saved)) {
        try {
          this.commit(this.packets);
        } catch (err) {
          fail(0, err);
        }
      }
      job.info.state = job.cancelled ? 'cancelled' : 'done';
      this.emit({ engine: 'packets', type: 'job.done', session, at: Date.now(), info: { ...job.info } });
    }
  }

  private bumpCounter(id: string): number {
    const next = this.counterOf(this.packets.find((p) => p.id === id)) + 1;
    this.counters.set(id, next);
    return next;
  }

  private sleep(job: Job, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      job.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

function newId(): string {
  return `p-${randomBytes(6).toString('hex')}`;
}
