// Schemas of form values the stores keep in the workspace (plain JSON, re-validated on restore), and
// small helpers the forms of several tools share.
import { z } from 'zod';

/** How a payload typed in a form becomes bytes: UTF-8, UTF-8 with \XX escapes, or hex. */
export const PayloadTextEncodingOption = z.enum(['text', 'escaped', 'hex']);

/** A payload being written in a sender, with its encoding. */
export const PayloadDraft = z.object({ data: z.string(), encoding: PayloadTextEncodingOption });
export type PayloadDraft = z.infer<typeof PayloadDraft>;

/** How received bytes are shown. */
export const TextViewOption = z.enum(['utf8', 'latin1', 'hex']);

/** What ends a line-oriented message such as a welcome: nothing, LF, or CR LF (what SMTP, HTTP, telnet want). */
export const LineEnding = z.enum(['none', 'lf', 'crlf']);
export type LineEnding = z.infer<typeof LineEnding>;

export const LINE_ENDING_LABELS: Record<LineEnding, string> = { none: 'none', lf: '\\n', crlf: '\\r\\n' };

/** Escaped text (\XX escapes) with the line ending appended, unless it already ends with it. */
export function withLineEnding(escaped: string, ending: LineEnding): string {
  if (escaped === '' || ending === 'none') return escaped;
  const tail = ending === 'lf' ? '\\n' : '\\r\\n';
  return escaped.endsWith(tail) ? escaped : escaped + tail;
}

/** A number typed in a form field; an empty field is NaN, which the engine's schema refuses with a code. */
export function numberField(v: string | number): number {
  return typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
}
