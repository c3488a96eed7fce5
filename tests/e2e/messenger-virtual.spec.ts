// A 20,000-message direct conversation in the browser: the reader's data dir already holds 19,997
// messages from "poster" — written by the messenger's own store, as a user's older history on disk is —
// and poster (a messenger engine in the test process, on 127.0.0.1) writes three more while the browser
// shell reads. The conversation is a virtualised list: the DOM keeps a bounded number of rows however
// much is loaded, new messages are followed at the end, and scrolling to the top loads the earlier pages
// back to the first message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Identity } from '../../src/main/engines/messenger/identity';
import { toWire } from '../../src/main/engines/messenger/mesh';
import { MessengerService } from '../../src/main/engines/messenger/service';
import { MessengerStore, STORE_DEFAULTS } from '../../src/main/engines/messenger/store';
import { test, expect, startShell, type ShellHandle } from './fixtures';
import { scrollBackToBeginning } from './fixtures/chat-list';
import { addByAddress, goOnLan } from './fixtures/messenger';

const N = 19_997;
const TOTAL = N + 3;
/** What a virtualised list promises: far fewer rows in the DOM than messages loaded. */
const MAX_ROWS = 200;

test('a 20,000-message conversation scrolls to its first message with a bounded DOM', async ({ browser }) => {
  test.setTimeout(420_000);
  const readerDir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-mvirtual-'));
  const posterDir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-mvirtual-poster-'));
  let reader: ShellHandle | undefined;
  let poster: MessengerService | undefined;
  const page = await browser.newPage();
  try {
    const conv = await writeHistories(readerDir, posterDir);
    poster = new MessengerService({ dataDir: posterDir, discovery: false });
    const { port } = await poster.start({
      nick: 'poster',
      status: 'online',
      host: '127.0.0.1',
      port: 0,
      peers: [],
    });
    reader = await startShell(readerDir);
    await page.goto(reader.shell.url);
    await goOnLan(page, 'reader');
    await addByAddress(page, port);
    await expect(page.getByTestId('messenger-presence-poster')).toHaveText('online', { timeout: 30_000 });
    await page.getByTestId('messenger-peer-poster').click();

    const list = page.getByTestId('messenger-messages');
    const rows = page.getByTestId('messenger-message');
    const row = (n: number) => list.locator(`[aria-posinset="${n}"]`);
    const count = async () => Number(await list.getAttribute('data-count'));
    await expect(list).toHaveAttribute('data-count', /^\d+$/);
    const first = await count();
    expect(first).toBeLessThan(TOTAL);
    await expect(row(first)).toContainText(`msg ${N}`);
    await expect(row(first)).toBeInViewport();

    // At the end, new messages are followed into view.
    for (const text of ['live 1', 'live 2', 'live 3']) poster.send({ conversation: conv, text });
    await expect(row(first + 3)).toContainText('live 3', { timeout: 30_000 });
    await expect(row(first + 3)).toBeInViewport();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);

    await scrollBackToBeginning(list, TOTAL);
    await expect(page.getByTestId('messenger-history-start')).toHaveText('Beginning of the conversation');
    await expect(row(1)).toContainText('msg 1');
    await expect(row(1)).toBeInViewport();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);

    // The middle, then the end again: the rows there, still a bounded DOM.
    await list.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await expect(list.locator('[aria-posinset="10000"]')).toBeAttached();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);
    await list.focus();
    await list.press('End');
    await expect(row(TOTAL)).toContainText('live 3');
    await expect(row(TOTAL)).toBeInViewport();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);
  } finally {
    await page.close();
    await reader?.shell.close();
    await poster?.close();
    rmSync(readerDir, { recursive: true, force: true });
    rmSync(posterDir, { recursive: true, force: true });
  }
});

/**
 * poster's 19,997 messages to the reader, in both histories: poster's as its own (acknowledged by the
 * reader, so nothing is sent again), the reader's as received. Returns the conversation id.
 */
async function writeHistories(readerDir: string, posterDir: string): Promise<string> {
  const readerId = new Identity(join(readerDir, 'messenger'), () => undefined).id;
  const posterId = new Identity(join(posterDir, 'messenger'), () => undefined).id;
  const open = (dir: string, self: string) => {
    const s = new MessengerStore(self, { ...STORE_DEFAULTS, path: join(dir, 'messenger', 'history.jsonl') });
    s.load();
    return s;
  };
  const written = (s: MessengerStore) => new Promise<void>((r) => s.whenWritten(r));
  const mine = open(posterDir, posterId);
  const theirs = open(readerDir, readerId);
  try {
    const conv = mine.direct(readerId, 'reader').id;
    for (let i = 1; i <= N; i++) {
      const m = mine.compose(conv, 'poster', { kind: 'text', text: `msg ${i}` });
      theirs.receive(toWire(m));
    }
    mine.acknowledge(readerId, conv, N);
    await Promise.all([written(mine), written(theirs)]);
    return conv;
  } finally {
    mine.close();
    theirs.close();
  }
}
