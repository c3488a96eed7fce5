// cURL command import: a POSIX-shell tokenizer (quotes, $'…', backslash-newline) and the options people
// paste from browsers' "Copy as cURL" and API docs. Options that have no equivalent are reported as
// warnings, never silently dropped; a text that is not a curl command is IMPORT_FAILED.
import { HttpRequestSpec, type HttpBody, type HttpKeyValue } from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';

export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const s = text.replace(/\\\r?\n/g, ' ').replace(/\^\r?\n/g, ' ');
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new EngineError('IMPORT_FAILED', 'unterminated single quote');
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '$' && s[i + 1] === "'") {
      i += 2;
      while (i < s.length && s[i] !== "'") {
        if (s[i] === '\\' && i + 1 < s.length) {
          const n = s[i + 1] as string;
          const map: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '\\': '\\',
            "'": "'",
            '"': '"',
            '0': '\0',
          };
          if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
            cur += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
            i += 4;
          } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
            cur += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            cur += map[n] ?? n;
            i += 2;
          }
        } else cur += s[i++];
      }
      if (i >= s.length) throw new EngineError('IMPORT_FAILED', "unterminated $'…' quote");
      i++;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1] as string)) {
          cur += s[i + 1];
          i += 2;
        } else cur += s[i++];
      }
      if (i >= s.length) throw new EngineError('IMPORT_FAILED', 'unterminated double quote');
      i++;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[i + 1];
      i += 2;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const SHORT_WITH_ARG = new Set([
  'X',
  'H',
  'd',
  'F',
  'u',
  'A',
  'b',
  'e',
  'x',
  'm',
  'o',
  'w',
  'c',
  'r',
  'E',
  'T',
  'U',
  'K',
  'C',
  'Y',
  'y',
  'z',
  'D',
  'P',
  'Q',
  't',
]);
const LONG_WITH_ARG = new Set([
  'request',
  'header',
  'data',
  'data-raw',
  'data-ascii',
  'data-binary',
  'data-urlencode',
  'json',
  'form',
  'form-string',
  'user',
  'user-agent',
  'cookie',
  'referer',
  'proxy',
  'max-time',
  'max-redirs',
  'url',
  'output',
  'write-out',
  'cookie-jar',
  'range',
  'cert',
  'key',
  'cacert',
  'capath',
  'oauth2-bearer',
  'connect-timeout',
  'retry',
  'noproxy',
  'proxy-user',
  'resolve',
  'connect-to',
  'interface',
  'limit-rate',
  'upload-file',
  'config',
  'cert-type',
  'key-type',
  'pass',
  'ciphers',
  'tls-max',
  'aws-sigv4',
  'request-target',
  'unix-socket',
  'retry-delay',
  'retry-max-time',
]);
const IGNORED = new Set([
  's',
  'S',
  'v',
  'i',
  'f',
  'N',
  'g',
  'silent',
  'show-error',
  'verbose',
  'include',
  'fail',
  'no-buffer',
  'globoff',
  'progress-bar',
  'no-progress-meter',
  'fail-with-body',
  'tcp-nodelay',
]);

export function parseCurl(text: string): { request: HttpRequestSpec; warnings: string[] } {
  const words = shellWords(text.trim());
  const start = words.findIndex((w) => w === 'curl' || w.endsWith('/curl') || w === 'curl.exe');
  if (start < 0 || words.slice(0, start).some((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w) && w !== 'sudo')) {
    throw new EngineError('IMPORT_FAILED', 'the text is not a curl command (it must start with "curl")');
  }
  const warnings: string[] = [];
  let method: string | undefined;
  let url: string | undefined;
  const headers: HttpKeyValue[] = [];
  const data: string[] = [];
  let dataFile: string | undefined;
  let jsonData = false;
  const form: { name: string; value: string; file?: string; filename?: string; contentType?: string }[] = [];
  let user: string | undefined;
  let digest = false;
  let bearer: string | undefined;
  let head = false;
  let getMode = false;
  const options: Record<string, unknown> = { followRedirects: false };

  const args = words.slice(start + 1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 && !LONG_WITH_ARG.has(a.slice(2)) ? a.slice(2, eq) : a.slice(2);
      if (eq > 0 && name !== a.slice(2)) value = a.slice(eq + 1);
      if (LONG_WITH_ARG.has(name) && value === undefined) {
        value = args[++i];
        if (value === undefined) throw new EngineError('IMPORT_FAILED', `--${name} needs a value`);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      // -sSL (bundled flags) or -XPOST (value attached)
      let j = 1;
      name = '';
      while (j < a.length) {
        const f = a[j] as string;
        if (SHORT_WITH_ARG.has(f)) {
          name = f;
          value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (value === undefined) throw new EngineError('IMPORT_FAILED', `-${f} needs a value`);
          break;
        }
        if (j + 1 < a.length) applyFlag(f);
        else name = f;
        j++;
      }
    } else {
      if (url === undefined) url = a;
      else warnings.push(`extra URL ignored: ${a}`);
      continue;
    }
    if (value === undefined) applyFlag(name);
    else applyValue(name, value);
  }

  function applyFlag(f: string): void {
    switch (f) {
      case 'I':
      case 'head':
        head = true;
        break;
      case 'G':
      case 'get':
        getMode = true;
        break;
      case 'L':
      case 'location':
        options.followRedirects = true;
        break;
      case 'k':
      case 'insecure':
        options.verifyTls = false;
        break;
      case 'compressed':
        options.decode = true;
        break;
      case 'digest':
        digest = true;
        break;
      case 'basic':
        digest = false;
        break;
      case 'http2':
      case 'http2-prior-knowledge':
        options.httpVersion = '2';
        break;
      case 'http1.1':
        options.httpVersion = '1.1';
        break;
      default:
        if (!IGNORED.has(f))
          warnings.push(`option ${f.length === 1 ? '-' : '--'}${f} has no equivalent and was ignored`);
    }
  }

  function applyValue(n: string, v: string): void {
    switch (n) {
      case 'X':
      case 'request':
        method = v;
        break;
      case 'H':
      case 'header': {
        const c = v.indexOf(':');
        if (c <= 0) {
          if (v.endsWith(';')) headers.push({ name: v.slice(0, -1).trim(), value: '', enabled: true });
          else warnings.push(`header without a colon ignored: ${v}`);
        } else headers.push({ name: v.slice(0, c).trim(), value: v.slice(c + 1).trim(), enabled: true });
        break;
      }
      case 'd':
      case 'data':
      case 'data-ascii':
      case 'data-binary':
        if (v.startsWith('@')) {
          dataFile = v.slice(1);
          if (n !== 'data-binary')
            warnings.push('curl strips newlines from @file data with -d; the file is sent unchanged');
        } else data.push(v);
        break;
      case 'data-raw':
        data.push(v);
        break;
      case 'data-urlencode': {
        const eq = v.indexOf('=');
        if (v.startsWith('@') || (eq > 0 && v[eq + 1] === '@'))
          warnings.push(`--data-urlencode from a file is not supported: ${v}`);
        else
          data.push(
            eq < 0
              ? encodeURIComponent(v)
              : `${v.slice(0, eq + 1)}${encodeURIComponent(v.slice(eq + 1))}`.replace(/^=/, ''),
          );
        break;
      }
      case 'json':
        data.push(v);
        jsonData = true;
        break;
      case 'F':
      case 'form':
      case 'form-string': {
        const eq = v.indexOf('=');
        if (eq <= 0) {
          warnings.push(`form field without = ignored: ${v}`);
          break;
        }
        const fname = v.slice(0, eq);
        const rest = v.slice(eq + 1);
        if (n !== 'form-string' && (rest.startsWith('@') || rest.startsWith('<'))) {
          const [path = '', ...attrs] = rest.slice(1).split(';');
          const part: (typeof form)[number] = { name: fname, value: '', file: path };
          for (const at of attrs) {
            const [k = '', val = ''] = at.split('=');
            if (k.trim() === 'type') part.contentType = val.trim();
            if (k.trim() === 'filename') part.filename = val.trim().replace(/^"|"$/g, '');
          }
          form.push(part);
        } else form.push({ name: fname, value: rest });
        break;
      }
      case 'u':
      case 'user':
        user = v;
        break;
      case 'oauth2-bearer':
        bearer = v;
        break;
      case 'A':
      case 'user-agent':
        headers.push({ name: 'User-Agent', value: v, enabled: true });
        break;
      case 'e':
      case 'referer':
        headers.push({ name: 'Referer', value: v, enabled: true });
        break;
      case 'b':
      case 'cookie':
        if (v.includes('=')) headers.push({ name: 'Cookie', value: v, enabled: true });
        else warnings.push(`cookie file ${v} is not read; use the cookie jar`);
        break;
      case 'r':
      case 'range':
        headers.push({ name: 'Range', value: `bytes=${v}`, enabled: true });
        break;
      case 'x':
      case 'proxy':
        options.proxy = v;
        break;
      case 'noproxy':
        if (v.trim() === '*') options.proxy = 'none';
        else warnings.push('--noproxy lists are not imported; NO_PROXY from the environment applies');
        break;
      case 'm':
      case 'max-time': {
        const secs = Number(v);
        if (Number.isFinite(secs) && secs > 0)
          options.timeoutMs = Math.min(3_600_000, Math.max(1, Math.round(secs * 1000)));
        break;
      }
      case 'max-redirs': {
        const n2 = Number(v);
        if (Number.isInteger(n2) && n2 >= 0) options.maxRedirects = Math.min(100, n2);
        break;
      }
      case 'url':
        url = v;
        break;
      case 'o':
      case 'output':
      case 'w':
      case 'write-out':
      case 'retry':
      case 'connect-timeout':
        break;
      default:
        warnings.push(`option ${n.length === 1 ? '-' : '--'}${n} ${v} has no equivalent and was ignored`);
    }
  }

  if (url === undefined) throw new EngineError('IMPORT_FAILED', 'the curl command has no URL');
  let body: HttpBody = { type: 'none' };
  const ct = headers.find((h) => h.name.toLowerCase() === 'content-type')?.value.toLowerCase() ?? '';
  if (getMode && data.length) {
    const sepChar = url.includes('?') ? '&' : '?';
    url = `${url}${sepChar}${data.join('&')}`;
  } else if (form.length) {
    body = {
      type: 'multipart',
      parts: form.map((f) => ({
        name: f.name,
        value: f.value,
        file: f.file,
        filename: f.filename,
        contentType: f.contentType,
        enabled: true,
      })),
    };
  } else if (dataFile !== undefined) {
    body = {
      type: 'binary',
      file: dataFile,
      contentType: ct || (jsonData ? 'application/json' : 'application/x-www-form-urlencoded'),
    };
  } else if (data.length) {
    const text = data.join('&');
    if (jsonData || ct.includes('json')) {
      body = { type: 'json', text };
      if (jsonData && !headers.some((h) => h.name.toLowerCase() === 'accept'))
        headers.push({ name: 'Accept', value: 'application/json', enabled: true });
    } else if ((!ct || ct.includes('x-www-form-urlencoded')) && /^[^=&]+=[^&]*(&[^=&]+=[^&]*)*$/.test(text)) {
      const fields = [...new URLSearchParams(text)].map(([name, value]) => ({ name, value, enabled: true }));
      body = { type: 'form', fields };
    } else body = { type: 'raw', text, contentType: ct || 'application/x-www-form-urlencoded' };
  }
  const finalMethod = method ?? (head ? 'HEAD' : body.type !== 'none' ? 'POST' : 'GET');
  let auth: HttpRequestSpec['auth'] = { type: 'none' };
  if (bearer !== undefined) auth = { type: 'bearer', token: bearer };
  if (user !== undefined) {
    const c = user.indexOf(':');
    const username = c < 0 ? user : user.slice(0, c);
    const password = c < 0 ? '' : user.slice(c + 1);
    auth = digest ? { type: 'digest', username, password } : { type: 'basic', username, password };
  }
  // Content-Type set by the body kind is not duplicated as a header unless curl's own header differs.
  const keptHeaders =
    body.type === 'multipart' ? headers.filter((h) => h.name.toLowerCase() !== 'content-type') : headers;
  const parsed = HttpRequestSpec.safeParse({
    method: finalMethod,
    url,
    headers: keptHeaders,
    body,
    auth,
    options,
  });
  if (!parsed.success)
    throw new EngineError(
      'IMPORT_FAILED',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return { request: parsed.data, warnings };
}
