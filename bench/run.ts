// `npm run bench -- [section…] [--quick] [--json FILE]`: runs the named sections (all by default),
// prints a table, and with --json writes every record. Sections compare against a reference measured in
// the same run, in interleaved rounds (bench/harness.ts): each ratio is the median of the per-round
// ratios with its spread, and a figure whose spread straddles its target is "inconclusive".
import { writeFileSync } from 'node:fs';
import { sections } from './sections';
import { fmtSpread } from './harness';
import type { BenchRecord } from './types';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let jsonFile: string | undefined;
  let quick = false;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') jsonFile = args[++i];
    else if (args[i] === '--quick') quick = true;
    else if (args[i] === '--help') {
      console.log(`npm run bench -- [${sections.map((s) => s.name).join('|')} …] [--quick] [--json FILE]`);
      return;
    } else names.push(args[i]!);
  }
  const unknown = names.filter((n) => !sections.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `unknown section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`,
    );
    process.exit(2);
  }
  const chosen = names.length ? sections.filter((s) => names.includes(s.name)) : sections;
  const all: BenchRecord[] = [];
  for (const s of chosen) {
    console.log(`\n== ${s.name}: ${s.description}`);
    const t0 = performance.now();
    const recs = await s.run((line) => console.log(`   ${line}`), { quick });
    all.push(...recs);
    console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(
    '\nsection  name                                             value          reference value  ratio   target  verdict',
  );
  const fmt = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(3));
  for (const r of all) {
    const verdict = r.verdict === null ? '' : r.verdict === 'fail' ? 'BELOW TARGET' : r.verdict;
    console.log(
      `${r.section.padEnd(8)} ${r.name.padEnd(48)} ${`${fmt(r.value)} ${r.unit}`.padEnd(14)} ${fmt(r.referenceValue).padEnd(15)}  ${fmt(r.ratio).padEnd(7)} ${String(r.target ?? '-').padEnd(7)} ${verdict}`,
    );
    if (r.spread)
      console.log(
        `${''.padEnd(9)}  spread of the ${r.ratio === null ? 'value' : 'ratio'}: ${fmtSpread(r.spread)}`,
      );
  }
  if (jsonFile) {
    writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
    console.log(`\nwrote ${all.length} records to ${jsonFile}`);
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
