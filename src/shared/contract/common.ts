// Schemas reused across engines. Every limit is here with its default, so the UI, the CLI and the docs
// read the same numbers.
import { z } from 'zod';
import { coded } from './define';

export const port = () =>
  z
    .number(coded('PORT_OUT_OF_RANGE', 'port must be a number'))
    .int(coded('PORT_OUT_OF_RANGE', 'port must be a whole number'))
    .min(0, coded('PORT_OUT_OF_RANGE', 'port must be 0..65535'))
    .max(65535, coded('PORT_OUT_OF_RANGE', 'port must be 0..65535'));

/** A port to connect to: 0 is not a destination. */
export const destPort = () =>
  z
    .number(coded('PORT_OUT_OF_RANGE', 'port must be a number'))
    .int(coded('PORT_OUT_OF_RANGE', 'port must be a whole number'))
    .min(1, coded('PORT_OUT_OF_RANGE', 'port must be 1..65535'))
    .max(65535, coded('PORT_OUT_OF_RANGE', 'port must be 1..65535'));

export const host = () => z.string().trim().min(1, 'host is required').max(253, 'host is too long');

export const sessionId = () => z.string().min(1).max(64);

export const payloadEncoding = () => z.enum(['text', 'hex']);

/** Default cap on the bytes of one payload typed in the UI or CLI (1 MiB). */
export const MAX_PAYLOAD_CHARS = 4 * 1024 * 1024;

export const payload = () => z.string().max(MAX_PAYLOAD_CHARS, coded('LIMIT_EXCEEDED', 'payload too large'));

export const timeoutMs = (def: number) => z.number().int().min(1).max(600_000).default(def);

export const empty = () => z.object({}).strict().default({});

export const ok = () => z.object({ ok: z.literal(true) });
