// Streaming routes of the mock HTTP server: a route can be a WebSocket endpoint (echo, broadcast to the
// route's clients, or scripted replies chosen by declarative rules) or a Server-Sent Events stream (a list
// of events sent at intervals, repeated). Nothing here is executed: rules match by equality, substring or
// a regular expression on a bounded prefix, and replies are the same templates as route bodies.
import { z } from 'zod';
import { coded } from './define';

export const HTTP_STREAM_DEFAULTS = {
  /** Largest WebSocket message a route accepts (the ws parser refuses it before buffering; close 1009). */
  maxWsMessageBytes: 1024 * 1024,
  /** Unsent bytes queued for one WebSocket client: above it the client's own messages are not read
   * (backpressure), and broadcasts to it are dropped and counted, so one slow reader cannot grow memory. */
  wsSendBufferBytes: 4 * 1024 * 1024,
  /** Replies waiting for their delay on one connection; more close it with 1013 (try again later). */
  maxWsPendingReplies: 1000,
  /** Scripted reply rules per WebSocket route. */
  maxWsRules: 100,
  /** Messages sent to each client when it connects. */
  maxWsGreeting: 100,
  /** A `regex` rule is tested on at most this many characters of a message. */
  maxWsRegexInputChars: 64 * 1024,
  /** Events in one SSE route's list. */
  maxSseEvents: 1000,
  /** Pause before each SSE event when the event does not say. */
  sseDelayMs: 1000,
  /** Largest `repeat` (0 repeats until the client goes away). */
  maxSseRepeat: 1_000_000,
  /** Longest reply, greeting or event data, in characters. */
  maxStreamTextChars: 256 * 1024,
  /** Longest delay before a reply or an event. */
  maxStreamDelayMs: 60_000,
} as const;

const text = () =>
  z.string().max(HTTP_STREAM_DEFAULTS.maxStreamTextChars, coded('LIMIT_EXCEEDED', 'stream text too long'));
const delay = (d: number) => z.number().int().min(0).max(HTTP_STREAM_DEFAULTS.maxStreamDelayMs).default(d);
/** An SSE field value: a line break would end the field (and could inject another one). */
const sseField = () =>
  z
    .string()
    .max(256)
    .regex(/^[^\r\n\0]*$/, coded('INVALID_INPUT', 'SSE event name and id may not contain CR, LF or NUL'));

export const WsReplyRule = z
  .object({
    /** `any` answers every message; `equals` / `contains` compare text; `regex` tests a bounded prefix. */
    match: z.enum(['any', 'equals', 'contains', 'regex']).default('any'),
    pattern: z.string().max(4096).default(''),
    /** Template: {{body}} is the received message; {{params.x}}, {{query.x}}, {{headers.x}} the upgrade request. */
    reply: text().default(''),
    /** `all` sends the reply to every client of this route (the sender included). */
    to: z.enum(['sender', 'all']).default('sender'),
    delayMs: delay(0),
    /** Close the connection after the reply with this code (1000 or 3000–4999). */
    closeCode: z
      .number()
      .int()
      .refine(
        (c) => c === 1000 || (c >= 3000 && c <= 4999),
        coded('WS_INVALID_CLOSE_CODE', 'close code must be 1000 or 3000–4999'),
      )
      .optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.match !== 'regex') return;
    try {
      new RegExp(r.pattern);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `INVALID_INPUT: ${(err as Error).message}` });
    }
  });
export type WsReplyRule = z.output<typeof WsReplyRule>;

export const WsRouteBehaviour = z
  .object({
    /** echo: each message back to its sender; broadcast: to every client of the route; script: the rules. */
    mode: z.enum(['echo', 'broadcast', 'script']).default('echo'),
    /** Text messages sent to each client as it connects (templates of the upgrade request). */
    greeting: z
      .array(text())
      .max(HTTP_STREAM_DEFAULTS.maxWsGreeting, coded('LIMIT_EXCEEDED', 'too many greeting messages'))
      .default([]),
    /** script mode: the first rule that matches answers. */
    rules: z
      .array(WsReplyRule)
      .max(HTTP_STREAM_DEFAULTS.maxWsRules, coded('LIMIT_EXCEEDED', 'too many reply rules'))
      .default([]),
    /** script mode: what a message no rule matches gets. */
    fallback: z.enum(['ignore', 'echo']).default('ignore'),
  })
  .strict();
export type WsRouteBehaviour = z.output<typeof WsRouteBehaviour>;

export const SseEventSpec = z
  .object({
    /** The `event:` field (absent: a plain message). */
    event: sseField().optional(),
    /** Template (params, query, headers, now); several lines become several `data:` lines. */
    data: text().default(''),
    /** The `id:` field; without it and with `autoIds`, the event's sequence number. */
    id: sseField().optional(),
    /** Pause before this event. */
    delayMs: delay(HTTP_STREAM_DEFAULTS.sseDelayMs),
  })
  .strict();
export type SseEventSpec = z.output<typeof SseEventSpec>;

export const SseRouteBehaviour = z
  .object({
    events: z
      .array(SseEventSpec)
      .min(1, coded('INVALID_INPUT', 'an SSE route needs at least one event'))
      .max(HTTP_STREAM_DEFAULTS.maxSseEvents, coded('LIMIT_EXCEEDED', 'too many SSE events')),
    /** How many times the list is sent; 0 repeats until the client goes away. */
    repeat: z.number().int().min(0).max(HTTP_STREAM_DEFAULTS.maxSseRepeat).default(1),
    /** Events without an id get their sequence number (1, 2, …) so a client can resume with Last-Event-ID. */
    autoIds: z.boolean().default(true),
    /** Sent first as `retry:`: how long a client waits before reconnecting. */
    retryMs: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict();
export type SseRouteBehaviour = z.output<typeof SseRouteBehaviour>;

export const HttpRouteKind = z.enum(['http', 'ws', 'sse']);
export type HttpRouteKind = z.infer<typeof HttpRouteKind>;
