// `wirelab chat presence|peers|dm` as a user runs them, on 127.0.0.1 with peers by address (no
// multicast): a DM is acknowledged (exit 0) and printed by the other side as a JSON line, `peers` lists
// who is there, `--queue` leaves a message in the outbox that goes when both are online again, and bad
// input exits 2 with the contract's code.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../../helpers/cli';
import { tempDir } from './helpers';

const local = ['--no-discovery', '--host', '127.0.0.1'];

async function presence(dir: string, nick: string, port = '0') {
  const run = startCli([
    'chat',
    'presence',
    '--nick',
    nick,
    '--data-dir',
    dir,
    '--port',
    port,
    ...local,
    '--json',
  ]);
  const m = await run.waitOut(/"type":"listening".*?"port":(\d+)/, 20_000);
  return { run, port: m[1]! };
}

describe('wirelab chat presence|peers|dm (CLI)', () => {
  it('dm is acknowledged, printed by presence as JSON, peers lists people, --queue waits for them', async () => {
    const dir = tempDir();
    const aliceDir = join(dir, 'alice');
    const bobDir = join(dir, 'bob');
    const alice = await presence(aliceDir, 'alice');
    const peer = ['--peer', `127.0.0.1:${alice.port}`];
    const dm = startCli([
      'chat',
      'dm',
      'alice',
      'hello from the CLI',
      '--nick',
      'bob',
      '--data-dir',
      bobDir,
      ...local,
      ...peer,
    ]);
    expect(await dm.exit, dm.err()).toBe(0);
    expect(dm.out()).toMatch(/delivered to alice/);
    await alice.run.waitOut(/"type":"message".*"text":"hello from the CLI"/, 20_000);
    const line = alice.run
      .out()
      .split('\n')
      .find((l) => l.includes('"type":"message"'))!;
    expect(JSON.parse(line)).toMatchObject({ fromNick: 'bob', status: 'received', late: false });

    const peers = startCli([
      'chat',
      'peers',
      '--wait',
      '30000',
      '--data-dir',
      bobDir,
      ...local,
      ...peer,
      '--json',
    ]);
    expect(await peers.exit, peers.err()).toBe(0);
    const found = peers
      .out()
      .split('\n')
      .filter((l) => l.includes('"type":"peer"'))
      .map((l) => JSON.parse(l) as { nick: string; presence: string });
    expect(found).toEqual([expect.objectContaining({ nick: 'alice', presence: 'online' })]);

    // alice leaves; bob queues a message; alice comes back and bob's presence delivers it.
    alice.run.interrupt();
    expect(await alice.run.exit).toBe(0);
    const queued = startCli([
      'chat',
      'dm',
      'alice',
      'while you were away',
      '--queue',
      '--data-dir',
      bobDir,
      ...local,
    ]);
    expect(await queued.exit, queued.err()).toBe(0);
    expect(queued.out()).toMatch(/queued for alice/);
    const back = await presence(aliceDir, 'alice', alice.port);
    const bob = startCli(['chat', 'presence', '--data-dir', bobDir, ...local, ...peer, '--json']);
    await back.run.waitOut(/"text":"while you were away"/, 20_000);
    bob.interrupt();
    back.run.interrupt();
    expect(await bob.exit).toBe(0);
  });

  it('bad input exits 2 with the code; nobody found exits 1 with MESSENGER_PEER_UNKNOWN', async () => {
    const dir = tempDir();
    const bad = startCli(['chat', 'dm', 'not a nick!', 'hi', '--data-dir', dir, ...local]);
    expect(await bad.exit).toBe(2);
    expect(bad.err()).toMatch(/CHAT_NICK_INVALID/);
    const empty = startCli(['chat', 'dm', 'alice', '', '--data-dir', dir, ...local]);
    expect(await empty.exit).toBe(2);
    const badPeer = startCli(['chat', 'peers', '--peer', 'nowhere', '--data-dir', dir, ...local]);
    expect(await badPeer.exit).toBe(2);
    const nobody = startCli(['chat', 'dm', 'nobody', 'hi', '--wait', '0', '--data-dir', dir, ...local]);
    expect(await nobody.exit).toBe(1);
    expect(nobody.err()).toMatch(/MESSENGER_PEER_UNKNOWN/);
  });
});
