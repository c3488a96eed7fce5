// The summary of a composer load run (`loadStart` … `loadGet`, and the load events): counts, status
// codes, latency percentiles and histogram. Its own file to keep the composer's contract readable.
import { z } from 'zod';

export const HttpLoadSummary = z.object({
  session: z.string(),
  state: z.enum(['running', 'done', 'stopped']),
  sent: z.number(),
  completed: z.number(),
  errors: z.number(),
  errorCodes: z.record(z.string(), z.number()),
  statusCounts: z.record(z.string(), z.number()),
  elapsedMs: z.number(),
  requestsPerSecond: z.number(),
  latency: z.object({
    min: z.number(),
    mean: z.number(),
    p50: z.number(),
    p90: z.number(),
    p99: z.number(),
    max: z.number(),
  }),
  /** Latency histogram: bucket upper bounds in ms and counts. */
  histogram: z.array(z.object({ le: z.number(), count: z.number() })),
  bytesReceived: z.number(),
  httpVersion: z.string(),
});
export type HttpLoadSummary = z.infer<typeof HttpLoadSummary>;
