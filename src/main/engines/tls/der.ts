// Just enough DER to find elements by position (PKCS#7 certificate sets, the signed part of an OCSP
// response) without re-encoding them: bytes are returned as they were sent, which is what signatures
// cover. Lengths of up to 4 bytes; anything else (or a length past the end) throws.

export interface Tlv {
  tag: number;
  /** Start of the whole element and of its contents, end of both. */
  start: number;
  body: number;
  end: number;
}

export function readTlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at];
  const first = der[at + 1];
  if (tag === undefined || first === undefined) throw new Error('truncated DER');
  let len = first;
  let body = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[body + i] ?? 0);
    body += n;
  }
  if (body + len > der.length) throw new Error('truncated DER');
  return { tag, start: at, body, end: body + len };
}

export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end;) {
    const t = readTlv(der, at);
    out.push(t);
    at = t.end;
  }
  return out;
}
