// A group message that arrives after later ones is shown where it was written and marked "arrived late".
// The reader (a browser shell) is in a group with pat and quinn (messenger engines in the test process,
// on 127.0.0.1). quinn, restarted with no one to reach, writes "early" into its outbox; pat writes "one"
// and then "later", which the reader gets at once. "later" is pat's second message, so its Lamport
// clock is above "early"'s whatever the tie-break between "one" and "early". When quinn reaches the
// reader, "early" comes from its outbox and goes in before "later", marked late — the same order every
// member shows. (Members relay what they hold, so "early" must reach no one before "later" is read.)
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

    // quinn again, reaching no one: what it writes waits in its outbox.
    await quinn.svc.close();
    const alone = await start('quinn', dirs[1]!, []);
    alone.svc.send({ conversation: g.id, text: 'early' });
    await expect
      .poll(() => alone.svc.messages({ conversation: g.id, limit: 10 }).messages.map((m) => m.text), {
        timeout: 30_000,
      })
      .toContain('early');
    pat.svc.send({ conversation: g.id, text: 'one' });
    pat.svc.send({ conversation: g.id, text: 'later' });
    await expect(list).toHaveAttribute('data-count', '3', { timeout: 30_000 });
    await expect(list.locator('[aria-posinset="3"]')).toContainText('later');
    await expect(app.getByTestId('messenger-late')).toHaveCount(0);

    // quinn reaches the reader: "early" goes in before "later", marked late.
    alone.svc.addPeer({ host: '127.0.0.1', port: readerPort });
    await expect(list).toHaveAttribute('data-count', '4', { timeout: 30_000 });
    await expect(list.locator('[aria-posinset="4"]')).toContainText('later');
    const early = list.locator('li', { hasText: 'early' });
    await expect(early.getByTestId('messenger-late')).toHaveText('arrived late');
    await expect(app.getByTestId('messenger-late')).toHaveCount(1);
  } finally {
    for (const e of engines) await e.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
