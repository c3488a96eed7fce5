// The mass scan's other flows end to end: targets loaded from a file, one target at a time so rows
// stream in with the remaining time shown while a silent server holds the scan, cancel keeping the
// finished rows, sorting by expiry and problems, JSON and Markdown exports, and the changes against an
// earlier scan loaded from a JSON export (a file that is not one is refused with a message).
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Socket } from 'node:net';
import { test, expect } from './fixtures';
import { createTestPki } from '../helpers/pki';
import { tlsServer } from './fixtures/tls-server';

test('mass scan: a target file, rows streamed with the time left, cancel, sorts, exports, compare with an export', async ({
  app,
}) => {
  const pki = createTestPki();
  const good = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
  const expired = await tlsServer({ cert: pki.chain(pki.expired), key: pki.expired.keyPem });
  // Accepts and never answers: the scan waits on it (up to the 10 s timeout) until it is cancelled.
  const held: Socket[] = [];
  const silent = createNetServer((s) => {
    held.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as { port: number }).port;
  const never = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
  const t = (port: number) => `localhost:${port}`;
  try {
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-tab-mass').click();
    await app.getByTestId('tls-mass-file').setInputFiles({
      name: 'targets.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(
        `# staging\n${t(good.port)}\n${t(expired.port)}\n${t(silentPort)}\n${t(never.port)}\n`,
      ),
    });
    await expect(app.getByTestId('tls-mass-targets')).toHaveValue(new RegExp(`${t(never.port)}$`));
    await expect(app.getByText('4 targets')).toBeVisible();
    await app.getByTestId('tls-mass-concurrency').fill('1');
    await app.getByTestId('tls-mass-ca-toggle').click();
    await app.getByTestId('tls-mass-ca').fill(pki.root.certPem);
    await app.getByTestId('tls-mass-start').click();

    // One at a time: the first two rows arrive while the scan is still running, with an estimate.
    const progress = app.getByTestId('tls-mass-progress');
    await expect(progress).toContainText(/2 \/ 4 \(50 %\) · about \d+ (s|min) left/, { timeout: 30_000 });
    await expect(app.getByTestId('tls-mass-table').locator('tbody tr')).toHaveCount(2);
    await expect(app.getByTestId('tls-mass-start')).toHaveCount(0);
    await app.getByTestId('tls-mass-cancel').click();
    await expect(progress).toContainText('2 / 4 (50 %) · cancelled');
    await expect(app.getByTestId('tls-mass-start')).toBeVisible();
    // The held target and the one never started have no row.
    await expect(app.getByTestId('tls-mass-table').locator('tbody tr')).toHaveCount(2);
    await expect(app.getByTestId('tls-mass-table')).not.toContainText(t(silentPort));

    const rows = app.getByTestId('tls-mass-table').locator('tbody tr');
    await expect(rows.first()).toContainText(t(good.port));
    await app.getByTestId('tls-mass-sort-expiry').click();
    await expect(app.getByTestId('tls-mass-sort-expiry')).toHaveAttribute('aria-pressed', 'true');
    await expect(rows.first()).toContainText(t(expired.port));
    await app.getByTestId('tls-mass-sort-target').click();
    await expect(rows.first()).toContainText(t(good.port));
    await app.getByTestId('tls-mass-sort-problems').click();
    await expect(rows.first()).toContainText(t(expired.port));

    const jsonDownload = app.waitForEvent('download');
    await app.getByTestId('tls-mass-export-json').click();
    const exported = JSON.parse(readFileSync((await (await jsonDownload).path())!, 'utf8')) as Array<
      Record<string, unknown>
    >;
    expect(exported.map((r) => [r.target, r.grade, r.problems])).toEqual([
      [t(expired.port), 'T', ['expired']],
      [t(good.port), 'A', []],
    ]);

    const mdDownload = app.waitForEvent('download');
    await app.getByTestId('tls-mass-export-markdown').click();
    const md = await mdDownload;
    expect(md.suggestedFilename()).toMatch(/^tls-mass-.*\.md$/);
    const lines = readFileSync((await md.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('| Target | Grade | Problems | Protocol | Expires | Error |');
    expect(lines[2]).toMatch(new RegExp(`^\\| ${t(expired.port)} \\| T \\| 1 \\| TLSv1\\.3 \\| \\d{4}-`));
    expect(lines).toHaveLength(4);

    // Not an export: refused with a message, the page goes on.
    const diff = app.getByTestId('tls-mass-diff');
    await expect(diff).toContainText('Scan again, or load a JSON export');
    await app.getByTestId('tls-mass-previous').setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"not": "rows"'),
    });
    await expect(app.getByTestId('toast').filter({ hasText: 'notes.json' })).toContainText(
      'not a Wirelab mass-scan JSON export',
    );

    // An earlier export in which the expired server was still fine and the held one answered.
    const earlier = exported.map((r) =>
      r.target === t(expired.port) ? { ...r, grade: 'A', trusted: true, problems: [], problemCount: 0 } : r,
    );
    earlier.push({ ...exported[1]!, index: 2, target: t(silentPort) });
    await app.getByTestId('tls-mass-previous').setInputFiles({
      name: 'last-week.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(earlier)),
    });
    await expect(diff).toContainText('Changes since last-week.json');
    await expect(app.getByTestId('tls-mass-change-changed')).toHaveText(
      `${t(expired.port)}: grade A → T; no longer trusted; new problems: expired`,
    );
    await expect(app.getByTestId('tls-mass-change-removed')).toHaveText(`${t(silentPort)}: removed`);

    // A row's Inspect opens the full report of that target.
    await rows
      .filter({ hasText: t(good.port) })
      .getByRole('button', { name: 'Inspect' })
      .click();
    await expect(app.getByTestId('tls-target')).toHaveValue(t(good.port));
    await expect(app.getByTestId('tls-grade')).toBeVisible({ timeout: 20_000 });
  } finally {
    for (const s of held) s.destroy();
    silent.close();
    good.server.close();
    expired.server.close();
    never.server.close();
    pki.cleanup();
  }
});
