// Data files for the collection runner: CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF, a
// header row naming the variables) or JSON (an array of flat objects). Each row is one iteration; values
// become variables. Bounded in characters and rows; bad input is INVALID_INPUT with where it went wrong.
import { HTTP_RUNNER_LIMITS } from '../../../shared/contract/http-runner';
import { EngineError } from '../common/errors';

export type DataRow = Record<string, string>;

export function parseCsv(text: string): DataRow[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let line = 1;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
      line++;
      if (records.length > HTTP_RUNNER_LIMITS.maxDataRows + 1)
        throw new EngineError('LIMIT_EXCEEDED', `more than ${HTTP_RUNNER_LIMITS.maxDataRows} data rows`);
    } else field += c;
  }
  if (quoted) throw new EngineError('INVALID_INPUT', `CSV: a quoted field is not closed (line ${line})`);
  record.push(field);
  if (record.length > 1 || record[0] !== '') records.push(record);
  const [header, ...rows] = records;
  if (!header) throw new EngineError('INVALID_INPUT', 'CSV: no header row');
  const names = header.map((h) => h.trim());
  if (names.some((n) => n === '')) throw new EngineError('INVALID_INPUT', 'CSV: an empty column name');
  return rows.map((r, i) => {
    if (r.length !== names.length)
      throw new EngineError(
        'INVALID_INPUT',
        `CSV: row ${i + 2} has ${r.length} fields, the header ${names.length}`,
      );
    return Object.fromEntries(names.map((n, j) => [n, r[j] ?? '']));
  });
}

export function parseJsonRows(text: string): DataRow[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new EngineError('INVALID_JSON', `data file: ${(err as Error).message}`);
  }
  if (!Array.isArray(v)) throw new EngineError('INVALID_INPUT', 'JSON data must be an array of objects');
  if (v.length > HTTP_RUNNER_LIMITS.maxDataRows)
    throw new EngineError('LIMIT_EXCEEDED', `more than ${HTTP_RUNNER_LIMITS.maxDataRows} data rows`);
  return v.map((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      throw new EngineError('INVALID_INPUT', `JSON data row ${i + 1} is not an object`);
    return Object.fromEntries(
      Object.entries(row as Record<string, unknown>).map(([k, x]) => [
        k,
        typeof x === 'string' ? x : JSON.stringify(x),
      ]),
    );
  });
}

export function parseDataFile(format: 'csv' | 'json', text: string): DataRow[] {
  if (text.length > HTTP_RUNNER_LIMITS.maxDataChars)
    throw new EngineError('LIMIT_EXCEEDED', `data file over ${HTTP_RUNNER_LIMITS.maxDataChars} characters`);
  return format === 'csv' ? parseCsv(text) : parseJsonRows(text);
}
