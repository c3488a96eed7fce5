// Keeping the URL and the query-parameter table in sync without mangling {{variables}}: the query is
// split by hand (URLSearchParams would encode the braces) and rebuilt with braces left as typed.
export interface QueryRow {
  name: string;
  value: string;
}

function dec(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s)
    .replace(/%7B%7B/g, '{{')
    .replace(/%7D%7D/g, '}}')
    .replace(/%24/g, '$');
}

export function splitUrl(url: string): { base: string; query: string; hash: string } {
  const h = url.indexOf('#');
  const hash = h >= 0 ? url.slice(h) : '';
  const noHash = h >= 0 ? url.slice(0, h) : url;
  const q = noHash.indexOf('?');
  return { base: q >= 0 ? noHash.slice(0, q) : noHash, query: q >= 0 ? noHash.slice(q + 1) : '', hash };
}

export function queryRows(url: string): QueryRow[] {
  const { query } = splitUrl(url);
  if (!query) return [];
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0
      ? { name: dec(part), value: '' }
      : { name: dec(part.slice(0, eq)), value: dec(part.slice(eq + 1)) };
  });
}

export function withQuery(url: string, rows: QueryRow[]): string {
  const { base, hash } = splitUrl(url);
  const q = rows
    .filter((r) => r.name !== '' || r.value !== '')
    .map((r) => (r.value === '' ? enc(r.name) : `${enc(r.name)}=${enc(r.value)}`))
    .join('&');
  return `${base}${q ? `?${q}` : ''}${hash}`;
}
