// Auto-reply rules for servers (UDP sockets, TLS servers): "when a payload matches, answer with these
// bytes". Pure and shared, so the UI can test a rule against a sample before a server uses it.
// Rules are compiled once (patterns to bytes, regexes built) and then matched per datagram/chunk.
import type { ErrorInfo } from './errors';
import { decodeBytes } from './encoding';
import { encodePayloadText, type PayloadTextEncoding } from './payload-text';

export type AutoReplyMatch = 'any' | 'equals' | 'contains' | 'startsWith' | 'regex';

export interface AutoReplyRule {
  match: AutoReplyMatch;
  /** Ignored for 'any'; for 'regex' a JavaScript regular expression over the UTF-8 text. */
  pattern: string;
  patternEncoding: PayloadTextEncoding;
  reply: string;
  replyEncoding: PayloadTextEncoding;
}

/** Only this many leading bytes of a payload are looked at (bounds the work of a user regex). */
export const AUTO_REPLY_MATCH_WINDOW = 4096;

export interface CompiledRule {
  rule: AutoReplyRule;
  test(bytes: Uint8Array): boolean;
  reply: Uint8Array;
}

export type CompileResult = { ok: true; rules: CompiledRule[] } | { ok: false; error: ErrorInfo };

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compileAutoReplies(rules: readonly AutoReplyRule[]): CompileResult {
  const out: CompiledRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const reply = encodePayloadText(rule.reply, rule.replyEncoding);
    if (!reply.ok)
      return {
        ok: false,
        error: { code: reply.error.code, message: `rule ${i + 1} reply: ${reply.error.message}` },
      };
    let test: (b: Uint8Array) => boolean;
    if (rule.match === 'any') test = () => true;
    else if (rule.match === 'regex') {
      let re: RegExp;
      try {
        re = new RegExp(rule.pattern);
      } catch (err) {
        return {
          ok: false,
          error: { code: 'INVALID_INPUT', message: `rule ${i + 1} pattern: ${(err as Error).message}` },
        };
      }
      test = (b) => re.test(decodeBytes(b.subarray(0, AUTO_REPLY_MATCH_WINDOW), 'utf8'));
    } else {
      const p = encodePayloadText(rule.pattern, rule.patternEncoding);
      if (!p.ok)
        return {
          ok: false,
          error: { code: p.error.code, message: `rule ${i + 1} pattern: ${p.error.message}` },
        };
      const needle = p.bytes;
      if (rule.match === 'equals') test = (b) => equalBytes(b, needle);
      else if (rule.match === 'startsWith')
        test = (b) => b.length >= needle.length && equalBytes(b.subarray(0, needle.length), needle);
      else test = (b) => indexOf(b.subarray(0, AUTO_REPLY_MATCH_WINDOW), needle) >= 0;
    }
    out.push({ rule, test, reply: reply.bytes });
  }
  return { ok: true, rules: out };
}

/** The first rule that matches decides; undefined when none does. */
export function findAutoReply(rules: readonly CompiledRule[], bytes: Uint8Array): CompiledRule | undefined {
  for (const r of rules) if (r.test(bytes)) return r;
  return undefined;
}
