// Declarative checks on a composer response — no scripts: assertions (status, a header, a JSONPath value,
// the body, the response time, a JSON Schema) and captures (a JSONPath value, a header or a regex group
// copied into an environment variable). Saved with the request, so collections and runs carry them.
import { z } from 'zod';

export const HTTP_CHECK_LIMITS = {
  maxAssertions: 100,
  maxCaptures: 100,
  /** Longest expected value / pattern / schema text. */
  maxValueChars: 64 * 1024,
  /** JSON Schema validation stops after this many visited nodes (bounded work on hostile input). */
  maxSchemaSteps: 100_000,
  /** …and this nesting depth of schema or instance. */
  maxSchemaDepth: 64,
  /** A regex (matches / capture) runs on at most this many body characters. */
  maxRegexInputChars: 1024 * 1024,
} as const;

export const HttpAssertionSource = z.enum([
  'status',
  'header',
  'jsonpath',
  'body',
  'responseTime',
  'jsonSchema',
]);
export type HttpAssertionSource = z.infer<typeof HttpAssertionSource>;

export const HttpAssertionOp = z.enum([
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'contains',
  'notContains',
  'matches',
  'exists',
  'notExists',
  'isType',
  'valid',
]);
export type HttpAssertionOp = z.infer<typeof HttpAssertionOp>;

export const HttpAssertion = z
  .object({
    enabled: z.boolean().default(true),
    source: HttpAssertionSource,
    /** Header name for `header`, a JSONPath for `jsonpath`; unused otherwise. */
    path: z.string().max(1024).default(''),
    op: HttpAssertionOp.default('eq'),
    /** Expected value (numbers compare as numbers), a regex for `matches`, the schema for `jsonSchema`. */
    value: z.string().max(HTTP_CHECK_LIMITS.maxValueChars).default(''),
  })
  .strict();
export type HttpAssertion = z.output<typeof HttpAssertion>;
export type HttpAssertionInput = z.input<typeof HttpAssertion>;

export const HttpCapture = z
  .object({
    enabled: z.boolean().default(true),
    /** Environment variable that receives the value. */
    variable: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z_][\w.-]*$/),
    source: z.enum(['jsonpath', 'header', 'regex', 'status']),
    /** JSONPath, header name, or a regex over the body (group 1 when it has one, else the whole match). */
    path: z.string().max(4096).default(''),
  })
  .strict();
export type HttpCapture = z.output<typeof HttpCapture>;
export type HttpCaptureInput = z.input<typeof HttpCapture>;

export const HttpAssertionResult = z.object({
  index: z.number(),
  pass: z.boolean(),
  /** What was found, as text (cut to 200 characters). */
  actual: z.string().optional(),
  /** A sentence: what was checked and, on failure, why it failed. */
  message: z.string(),
});
export type HttpAssertionResult = z.infer<typeof HttpAssertionResult>;

export const HttpCaptureResult = z.object({
  variable: z.string(),
  ok: z.boolean(),
  value: z.string().optional(),
  message: z.string().optional(),
});
export type HttpCaptureResult = z.infer<typeof HttpCaptureResult>;

export const HttpCheckResults = z.object({
  assertions: z.array(HttpAssertionResult),
  captures: z.array(HttpCaptureResult),
  passed: z.number(),
  failed: z.number(),
});
export type HttpCheckResults = z.infer<typeof HttpCheckResults>;
