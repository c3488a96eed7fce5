// `wirelab chat send-file` and `chat presence --accept-files` as a user runs them, on 127.0.0.1 with
// peers by address: the file arrives in the folder with the right content and send-file exits 0 once
// the peer confirmed the checksum; a missing file and an unknown peer exit with their codes.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../../helpers/cli';
import { tempDir } from './helpers';

const local = ['--no-discovery', '--host', '127.0.0.1'];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('wirelab chat send-file / presence --accept-files (CLI)', () => {
  it('the file arrives in the accept folder and send-file exits 0 once the checksum is confirmed', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const bob = startCli([
      'chat',
      'presence',
      '--nick',
      'bob',
      '--data-dir',
      join(dir, 'bob'),
      '--accept-files',
      inbox,
      ...local,
      '--json',
    ]);
    const port = (await bob.waitOut(/"type":"listening".*?"port":(\d+)/, 20_000))[1]!;
    const data = randomBytes(700 * 1024);
    const src = join(dir, 'report.bin');
    writeFileSync(src, data);
    const send = startCli([
      'chat',
      'send-file',
      'bob',
      src,
      '--nick',
      'ann',
      '--data-dir',
      join(dir, 'ann'),
      '--peer',
      `127.0.0.1:${port}`,
      ...local,
    ]);
    expect(await send.exit, send.err()).toBe(0);
    expect(send.out()).toMatch(/file report\.bin .* to bob: done/);
    await bob.waitOut(/"type":"file".*"state":"done"/, 20_000);
    expect(readdirSync(inbox)).toEqual(['report.bin']);
    expect(sha(readFileSync(join(inbox, 'report.bin')))).toBe(sha(data));

    const missing = startCli([
      'chat',
      'send-file',
      'bob',
      join(dir, 'nope.bin'),
      '--nick',
      'ann',
      '--data-dir',
      join(dir, 'ann'),
      '--peer',
      `127.0.0.1:${port}`,
      ...local,
    ]);
    expect(await missing.exit).not.toBe(0);
    expect(missing.err()).toMatch(/NOT_FOUND/);
  });
});
