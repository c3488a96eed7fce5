// Regenerates src/main/engines/tls/data/ct-logs.json, the CT log list the TLS inspector names and
// verifies SCTs with, from Chrome's log lists (schema v3: https://www.gstatic.com/ct/log_list/v3/).
//
//   node scripts/ct-log-list.mjs --out src/main/engines/tls/data/ct-logs.json \
//     --list all_logs_list.json --url https://www.gstatic.com/ct/log_list/v3/all_logs_list.json \
//            --date 2026-08-21T14:06:22Z [--via <where this copy came from>] \
//     [--list older.json --url … --date … --via …]
//
// Give the newest list first. Chrome drops a log from all_logs_list.json some months after its shard
// ends, so an older snapshot can be given after it: its logs that the newer list no longer has are kept
// (with the state the older list gave them) so that SCTs of older certificates are still named and
// verified. Each log records which source it came from. Every log id is checked to be SHA-256(key).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

function args(argv) {
  const lists = [];
  let out;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--out') out = v;
    else if (a === '--list') lists.push({ file: v });
    else if (a === '--url' || a === '--date' || a === '--via') {
      const cur = lists.at(-1);
      if (!cur) throw new Error(`${a} must follow a --list`);
      cur[a.slice(2)] = v;
    } else throw new Error(`unknown argument ${a}`);
    i++;
  }
  if (!out || lists.length === 0)
    throw new Error('usage: --out FILE --list FILE --url URL --date ISO [--via TEXT] …');
  for (const l of lists) if (!l.url || !l.date) throw new Error(`--list ${l.file} needs --url and --date`);
  return { out, lists };
}

const STATES = ['pending', 'qualified', 'usable', 'readonly', 'retired', 'rejected'];

function compactLog(log, operator, tiled, from) {
  const key = Buffer.from(log.key, 'base64');
  const id = createHash('sha256').update(key).digest('base64');
  if (id !== log.log_id) throw new Error(`${log.description}: log_id is not SHA-256 of its key`);
  const stateName = Object.keys(log.state ?? {}).find((s) => STATES.includes(s));
  const out = { id, key: log.key, name: log.description, operator };
  if (stateName) {
    out.state = stateName;
    out.stateAt = log.state[stateName].timestamp;
  }
  if (log.temporal_interval) {
    out.start = log.temporal_interval.start_inclusive;
    out.end = log.temporal_interval.end_exclusive;
  }
  out.url = log.url ?? log.submission_url;
  if (tiled) out.tiled = true;
  if (log.log_type) out.type = log.log_type;
  if (log.previous_operators?.length)
    out.previousOperators = log.previous_operators.map((p) => ({ name: p.name, until: p.end_time }));
  out.from = from;
  return out;
}

const { out, lists } = args(process.argv.slice(2));
const logs = [];
const seen = new Set();
const sources = lists.map((l, from) => {
  const json = JSON.parse(readFileSync(l.file, 'utf8'));
  let added = 0;
  for (const op of json.operators ?? [])
    for (const [entries, tiled] of [
      [op.logs ?? [], false],
      [op.tiled_logs ?? [], true],
    ])
      for (const log of entries) {
        if (seen.has(log.log_id)) continue;
        seen.add(log.log_id);
        logs.push(compactLog(log, op.name, tiled, from));
        added++;
      }
  return {
    url: l.url,
    ...(l.via ? { via: l.via } : {}),
    snapshot: json.log_list_timestamp ?? l.date,
    ...(json.version ? { version: json.version } : {}),
    logs: added,
  };
});
const doc = {
  format: 1,
  description:
    'Certificate Transparency logs known to Chrome (log_list v3 schema), compacted for SCT verification. Regenerate with scripts/ct-log-list.mjs.',
  sources,
  logs,
};
writeFileSync(out, `${JSON.stringify(doc, null, 0).replace(/\{"id"/g, '\n{"id"')}\n`);
console.log(
  `wrote ${out}: ${logs.length} logs from ${sources.map((s) => `${s.snapshot} (${s.logs})`).join(', ')}`,
);
