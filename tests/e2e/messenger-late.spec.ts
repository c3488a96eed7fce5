// A group message that arrives after later ones is shown where it was written and marked "arrived late".
// The reader (a browser shell) is in a group with pat and quinn (messenger engines in the test process,
// on 127.0.0.1). quinn reaches only pat at first: quinn writes "early", pat has it and then writes
// "later", which the reader gets at once. When quinn reaches the reader, "early" comes from its outbox and
// goes in before "later", marked late — the same order every member shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessengerService } from '../../src/main/engines/messenger/service';
import { test, expect } from './fixtures';
import { goOnLan } from './fixtures/messenger';

test('a group message that arrives after later ones goes in its place, marked "arrived late"', async ({
  app,
}) => {
  test.setTimeout(120_000);
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'wirelab-e2e-mlate-')));
  const engines: MessengerService[] = [];
  try {
    const readerPort = await goOnLan(app, 'reader');
    const start = async (nick: string, dir: string, peers: { host: string; port: number }[]) => {
      const svc = new MessengerService({
        dataDir: dir,
        discovery: false,
        reconnectMinMs: 50,
        reconnectMaxMs: 300,
      });
      engines.push(svc);
      const info = await svc.start({ nick, status: 'online', host: '127.0.0.1', port: 0, peers });
      return { svc, info };
    };
    const pat = await start('pat', dirs[0]!, [{ host: '127.0.0.1', port: readerPort }]);
    const quinn = await start('quinn', dirs[1]!, [{ host: '127.0.0.1', port: pat.info.port }]);
    const connected = (svc: MessengerService, nick: string) =>
      svc.peers().peers.find((p) => p.nick === nick)?.connected === true;
    await expect
      .poll(() => connected(pat.svc, 'reader') && connected(pat.svc, 'quinn'), { timeout: 30_000 })
      .toBe(true);
    await expect(app.getByTestId('messenger-presence-pat')).toHaveText('online', { timeout: 30_000 });

    // pat knows everyone; the reader has never heard of quinn's address.
    const reader = pat.svc.peers().peers.find((p) => p.nick === 'reader')!.id;
    const g = pat.svc.createGroup({ name: 'trio', members: [reader, quinn.info.instanceId] });
    await expect.poll(() => quinn.svc.conversations().conversations.length, { timeout: 30_000 }).toBe(1);
    await app.getByTestId('messenger-group-trio').click();
    const list = app.getByTestId('messenger-messages');
    await expect(list).toHaveAttribute('data-count', '1', { timeout: 30_000 });

    quinn.svc.send({ conversation: g.id, text: 'early' });
    await expect
      .poll(() => pat.svc.messages({ conversation: g.id, limit: 10 }).messages.map((m) => m.text), {
        timeout: 30_000,
      })
      .toContain('early');
    pat.svc.send({ conversation: g.id, text: 'later' });
    await expect(list.locator('[aria-posinset="2"]')).toContainText('later', { timeout: 30_000 });
    await expect(app.getByTestId('messenger-late')).toHaveCount(0);

    // quinn reaches the reader: "early" goes in before "later", marked late.
    quinn.svc.addPeer({ host: '127.0.0.1', port: readerPort });
    await expect(list.locator('[aria-posinset="2"]')).toContainText('early', { timeout: 30_000 });
    await expect(list.locator('[aria-posinset="3"]')).toContainText('later');
    await expect(list.locator('[aria-posinset="2"]').getByTestId('messenger-late')).toHaveText(
      'arrived late',
    );
    await expect(app.getByTestId('messenger-late')).toHaveCount(1);
  } finally {
    for (const e of engines) await e.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
