// The plaintext dialogue that turns a mail or file-transfer connection into a TLS one (SMTP RFC 3207,
// IMAP RFC 3501, POP3 RFC 2595, FTP RFC 4217). It only knows how to get to the point where the next
// byte is a ClientHello; it reads bounded replies and never logs in.
import type { Socket } from 'node:net';
import { EngineError } from '../common/errors';

export type StartTlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ftp';

export const STARTTLS_DEFAULT_PORTS: Record<StartTlsProtocol, number> = {
  smtp: 25,
  imap: 143,
  pop3: 110,
  ftp: 21,
};

export interface StartTlsOptions {
  timeoutMs: number;
  /** Cap on one reply (greeting, capability list) in bytes. */
  maxReplyBytes: number;
  clientName: string;
}

type ReplyDone = (text: string) => boolean;

function readReply(socket: Socket, done: ReplyDone, opts: StartTlsOptions, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const fail = (err: EngineError) => {
      cleanup();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.length > opts.maxReplyBytes)
        return fail(
          new EngineError(
            'LIMIT_EXCEEDED',
            `STARTTLS ${what}: reply longer than ${opts.maxReplyBytes} bytes`,
          ),
        );
      if (done(text)) {
        cleanup();
        resolve(text);
      }
    };
    const onClose = () =>
      fail(
        new EngineError(
          'STARTTLS_FAILED',
          `STARTTLS ${what}: server closed the connection; got ${JSON.stringify(text.slice(0, 200))}`,
        ),
      );
    const onError = (err: Error) =>
      fail(new EngineError('CONNECTION_RESET', `STARTTLS ${what}: ${err.message}`));
    const timer = setTimeout(
      () =>
        fail(
          new EngineError(
            'TIMEOUT',
            `STARTTLS ${what}: no complete reply within ${opts.timeoutMs} ms; got ${JSON.stringify(text.slice(0, 200))}`,
          ),
        ),
      opts.timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}

/**
 * SMTP/FTP multi-line reply: complete when a line starts with three digits and a space — or as soon as a
 * complete line is not a numeric reply at all, so a server speaking something else fails fast.
 */
const numericDone: ReplyDone = (t) => {
  if (/(^|\r?\n)\d{3} [^\n]*\r?\n$/.test(t)) return true;
  const lines = t.split('\n').slice(0, -1);
  return lines.some((l) => !/^\d{3}[- ]/.test(l));
};
const lineDone: ReplyDone = (t) => t.endsWith('\n');

function expectCode(reply: string, code: string, what: string): void {
  const last = reply.trimEnd().split(/\r?\n/).pop() ?? '';
  if (!last.startsWith(code))
    throw new EngineError(
      'STARTTLS_FAILED',
      `${what}: expected ${code}, got ${JSON.stringify(last.slice(0, 200))}`,
    );
}

export async function startTls(
  socket: Socket,
  protocol: StartTlsProtocol,
  opts: StartTlsOptions,
): Promise<{ transcript: string[] }> {
  const transcript: string[] = [];
  const send = (line: string) => {
    transcript.push(`> ${line}`);
    socket.write(`${line}\r\n`);
  };
  const got = (reply: string) => {
    transcript.push(
      ...reply
        .trimEnd()
        .split(/\r?\n/)
        .map((l) => `< ${l}`),
    );
    return reply;
  };
  switch (protocol) {
    case 'smtp': {
      expectCode(got(await readReply(socket, numericDone, opts, 'greeting')), '220', 'SMTP greeting');
      send(`EHLO ${opts.clientName}`);
      const ehlo = got(await readReply(socket, numericDone, opts, 'EHLO'));
      expectCode(ehlo, '250', 'SMTP EHLO');
      if (!/^250[- ]STARTTLS\b/im.test(ehlo))
        throw new EngineError(
          'STARTTLS_UNSUPPORTED',
          'the SMTP server does not offer STARTTLS in its EHLO reply',
        );
      send('STARTTLS');
      expectCode(got(await readReply(socket, numericDone, opts, 'STARTTLS')), '220', 'SMTP STARTTLS');
      break;
    }
    case 'imap': {
      const greeting = got(await readReply(socket, lineDone, opts, 'greeting'));
      if (!/^\* (OK|PREAUTH)/i.test(greeting))
        throw new EngineError('STARTTLS_FAILED', `IMAP greeting: ${JSON.stringify(greeting.slice(0, 200))}`);
      send('W1 STARTTLS');
      const reply = got(await readReply(socket, (t) => /(^|\n)W1 [^\n]*\n$/.test(t), opts, 'STARTTLS'));
      if (!/(^|\n)W1 OK/i.test(reply))
        throw new EngineError(
          'STARTTLS_UNSUPPORTED',
          `IMAP STARTTLS refused: ${JSON.stringify(reply.trim().slice(0, 200))}`,
        );
      break;
    }
    case 'pop3': {
      const greeting = got(await readReply(socket, lineDone, opts, 'greeting'));
      if (!greeting.startsWith('+OK'))
        throw new EngineError('STARTTLS_FAILED', `POP3 greeting: ${JSON.stringify(greeting.slice(0, 200))}`);
      send('STLS');
      const reply = got(await readReply(socket, lineDone, opts, 'STLS'));
      if (!reply.startsWith('+OK'))
        throw new EngineError(
          'STARTTLS_UNSUPPORTED',
          `POP3 STLS refused: ${JSON.stringify(reply.trim().slice(0, 200))}`,
        );
      break;
    }
    case 'ftp': {
      expectCode(got(await readReply(socket, numericDone, opts, 'greeting')), '220', 'FTP greeting');
      send('AUTH TLS');
      const reply = got(await readReply(socket, numericDone, opts, 'AUTH TLS'));
      if (!reply.trimEnd().split(/\r?\n/).pop()?.startsWith('234'))
        throw new EngineError(
          'STARTTLS_UNSUPPORTED',
          `FTP AUTH TLS refused: ${JSON.stringify(reply.trim().slice(0, 200))}`,
        );
      break;
    }
  }
  return { transcript };
}
