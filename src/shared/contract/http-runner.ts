// The collection runner: a collection (or one folder of it) run in order, once per iteration or once
// per data row, with an environment, a delay between requests and an optional bail on the first failure.
import { z } from 'zod';
import { method } from './define';
import { sessionId } from './common';
import { HttpAssertionResult } from './http-checks';

export const HTTP_RUNNER_LIMITS = {
  maxIterations: 1000,
  maxDelayMs: 60_000,
  /** Rows of a data file (CSV or JSON); each is one iteration. */
  maxDataRows: 10_000,
  /** Characters of a data file. */
  maxDataChars: 8 * 1024 * 1024,
  /** Request results a run keeps (the summary's counts cover all of them). */
  maxResults: 5000,
} as const;

export const HttpRunDataFormat = z.enum(['csv', 'json']);

export const HttpRunOptions = z
  .object({
    /** Only requests under this folder of the collection ('' = all). */
    folder: z.string().max(1024).default(''),
    environment: z.string().max(128).optional(),
    data: z
      .object({ format: HttpRunDataFormat, text: z.string().max(HTTP_RUNNER_LIMITS.maxDataChars) })
      .strict()
      .optional(),
    /** Ignored with a data file (one iteration per row). */
    iterations: z.number().int().min(1).max(HTTP_RUNNER_LIMITS.maxIterations).default(1),
    delayMs: z.number().int().min(0).max(HTTP_RUNNER_LIMITS.maxDelayMs).default(0),
    /** Stop at the first failed assertion or failed request. */
    bail: z.boolean().default(false),
  })
  .strict();
export type HttpRunOptions = z.output<typeof HttpRunOptions>;

export const HttpRunResult = z.object({
  iteration: z.number(),
  path: z.string(),
  name: z.string(),
  method: z.string(),
  url: z.string(),
  status: z.number().optional(),
  durationMs: z.number(),
  code: z.string().optional(),
  message: z.string().optional(),
  assertions: z.array(HttpAssertionResult),
  passed: z.number(),
  failed: z.number(),
});
export type HttpRunResult = z.infer<typeof HttpRunResult>;

export const HttpRunSummary = z.object({
  session: z.string(),
  collection: z.string(),
  state: z.enum(['running', 'done', 'stopped', 'bailed']),
  iterations: z.number(),
  requests: z.number(),
  /** Requests that got no response (connection, TLS, timeout…). */
  failedRequests: z.number(),
  passedAssertions: z.number(),
  failedAssertions: z.number(),
  startedAt: z.number(),
  durationMs: z.number(),
  results: z.array(HttpRunResult),
  /** Results not kept (over maxResults). */
  droppedResults: z.number(),
});
export type HttpRunSummary = z.infer<typeof HttpRunSummary>;

/** The runner's calls, part of the httpClient channel. */
export const httpRunnerMethods = {
  runStart: method(
    HttpRunOptions.extend({ collection: z.string().min(1).max(1024) }).strict(),
    z.object({ session: z.string() }),
  ),
  runStop: method(z.object({ session: sessionId() }).strict(), HttpRunSummary),
  runGet: method(z.object({ session: sessionId() }).strict(), HttpRunSummary),
};

/** Counts so far, without the results list (events carry one result each). */
export type HttpRunCounts = Omit<HttpRunSummary, 'results'>;

export type HttpRunnerEvent =
  | {
      engine: 'httpClient';
      type: 'run.result';
      session: string;
      at: number;
      result: HttpRunResult;
      counts: HttpRunCounts;
    }
  | { engine: 'httpClient'; type: 'run.done'; session: string; at: number; summary: HttpRunSummary };
