// The workspace: what the user set up, kept in `workspace.json` in the data dir so the app comes back as
// it was after a restart — page forms, drafts and composer tabs (`persisted()` values of the renderer's
// stores), the chat identity (nickname, known servers, joined chats with their rooms) and the server
// sessions flagged "start again on launch" with the calls that configured them. Restoring runs where the
// engines run (the engine host), so every front end gets it. docs/workspace.md describes the file.
import { z } from 'zod';
import { coded, method } from './define';
import { sessionId } from './common';

/** Version of workspace.json this build writes. A file with a higher version is set aside, not read. */
export const WORKSPACE_VERSION = 1;

/** Documented limits of the workspace (docs/workspace.md). Each is checked before anything is written. */
export const WORKSPACE_LIMITS = {
  /** workspace.json as written, at most (a save that would exceed it is refused with LIMIT_EXCEEDED). */
  maxFileBytes: 4 * 1024 * 1024,
  /** `persisted()` values (keys) kept. */
  maxValues: 500,
  /** One persisted value, serialised as JSON. */
  maxValueBytes: 512 * 1024,
  /** Server sessions flagged "start again on launch". */
  maxLaunch: 64,
  /** Live-setting calls remembered per flagged session (replayed in order after its start call). */
  maxLiveCalls: 100,
  /** Joined chats restored at start. */
  maxChats: 32,
  /** Rooms per joined chat. */
  maxRoomsPerChat: 64,
  /** Chat servers remembered for the "Join" form, most recent first. */
  maxKnownServers: 20,
} as const;

/** Server sessions that can start again on launch, by the contract engine whose start call made them. */
export const LaunchKind = z.enum(['tcp', 'udp', 'tlssock', 'httpServer', 'lb', 'chatHost']);
export type LaunchKind = z.infer<typeof LaunchKind>;

/** The channel whose successful call creates a session of each kind. */
export const LAUNCH_START_CHANNEL: Record<LaunchKind, string> = {
  tcp: 'tcp.serverStart',
  udp: 'udp.bind',
  tlssock: 'tlssock.serverStart',
  httpServer: 'httpServer.start',
  lb: 'lb.start',
  chatHost: 'chat.hostStart',
};

const json = z.record(z.string(), z.unknown());

/** A call to replay: a contract channel and its input (re-validated by the dispatcher on restore). */
export const RecordedCall = z.object({ channel: z.string().min(3).max(64), input: json });
export type RecordedCall = z.infer<typeof RecordedCall>;

export const LaunchEntry = z.object({
  id: z.string().min(1).max(64),
  kind: LaunchKind,
  /** What the user sees (e.g. "TCP server :7000"). */
  label: z.string().max(200),
  start: RecordedCall,
  /** Live-setting calls made after the start, in order, with `session` left out. */
  live: z.array(RecordedCall).max(WORKSPACE_LIMITS.maxLiveCalls).default([]),
});
export type LaunchEntry = z.infer<typeof LaunchEntry>;

export const JoinedChat = z.object({
  id: z.string().min(1).max(64),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  nick: z.string().min(1).max(64),
  tls: z.boolean().default(false),
  /** Kept so a password-protected server is rejoined too (workspace.json is readable by the owner only). */
  password: z.string().max(256).optional(),
  fingerprint: z.string().max(200).optional(),
  rooms: z.array(z.string().min(1).max(64)).max(WORKSPACE_LIMITS.maxRoomsPerChat),
});
export type JoinedChat = z.infer<typeof JoinedChat>;

export const KnownServer = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean().default(false),
  name: z.string().max(100).optional(),
  lastUsed: z.number(),
});
export type KnownServer = z.infer<typeof KnownServer>;

export const ChatIdentity = z.object({
  nick: z.string().max(64).optional(),
  servers: z.array(KnownServer).max(WORKSPACE_LIMITS.maxKnownServers).default([]),
  joined: z.array(JoinedChat).max(WORKSPACE_LIMITS.maxChats).default([]),
});
export type ChatIdentity = z.infer<typeof ChatIdentity>;

/** workspace.json. Unknown keys are dropped; a value that does not fit is reason to set the file aside. */
export const WorkspaceFile = z.object({
  version: z.literal(WORKSPACE_VERSION),
  savedAt: z.number().default(0),
  values: json.default({}),
  chat: ChatIdentity.default({ servers: [], joined: [] }),
  launch: z.array(LaunchEntry).max(WORKSPACE_LIMITS.maxLaunch).default([]),
});
export type WorkspaceFile = z.infer<typeof WorkspaceFile>;

/** Why the saved workspace was not used: unreadable or invalid, or written by a newer Wirelab. */
export const WorkspaceNotice = z.object({
  kind: z.enum(['corrupt', 'newer']),
  file: z.string(),
  /** Where the file was moved, so nothing is lost. */
  movedTo: z.string(),
  message: z.string(),
});
export type WorkspaceNotice = z.infer<typeof WorkspaceNotice>;

/** Where a flagged session stands in this run of the engine host. */
export const LaunchState = z.object({
  id: z.string(),
  kind: LaunchKind,
  label: z.string(),
  /** The session it runs as now (absent while restoring or after a failed restore). */
  session: z.string().optional(),
  state: z.enum(['pending', 'running', 'failed', 'stopped']),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type LaunchState = z.infer<typeof LaunchState>;

export const WorkspaceSnapshot = z.object({
  /** Random per engine-host start: a changed value tells a reconnected page that everything restarted. */
  instance: z.string(),
  values: json,
  chat: ChatIdentity,
  launch: z.array(LaunchState),
  notice: WorkspaceNotice.optional(),
  /** The restore at start: running, or done with how long it took. */
  restore: z.object({ done: z.boolean(), ms: z.number().optional(), sessions: z.number() }),
});
export type WorkspaceSnapshot = z.infer<typeof WorkspaceSnapshot>;

export const workspaceContract = {
  get: method(z.object({}).strict().default({}), WorkspaceSnapshot),
  /** Replaces the `persisted()` values (the renderer sends them all, debounced). */
  saveValues: method(
    z
      .object({
        values: json.refine(
          (v) => Object.keys(v).length <= WORKSPACE_LIMITS.maxValues,
          coded('LIMIT_EXCEEDED', `at most ${WORKSPACE_LIMITS.maxValues} saved values`),
        ),
      })
      .strict(),
    z.object({ bytes: z.number(), savedAt: z.number() }),
  ),
  /** Flags (or unflags) a running server session to start again on launch, with its current settings. */
  setLaunch: method(
    z.object({ kind: LaunchKind, session: sessionId(), on: z.boolean() }).strict(),
    z.object({ launch: z.array(LaunchState) }),
  ),
};

export type WorkspaceEvent =
  | { engine: 'workspace'; type: 'launch'; session: 'workspace'; at: number; launch: LaunchState[] }
  | {
      engine: 'workspace';
      type: 'restored';
      session: 'workspace';
      at: number;
      ms: number;
      launch: LaunchState[];
    };
