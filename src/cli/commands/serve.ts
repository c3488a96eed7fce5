// `wirelab serve`: the browser shell — the whole app in a browser, engines under Node.
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBrowserShell } from '../../server/browser-shell';
import { defaultBrowserShellDataDir } from '../../main/storage/data-dir';
import { EXIT, UsageError, intArg, type Command } from '../framework';
import { version } from '../version';

export function rendererDir(): string {
  // Built layout: out/main/cli.js next to out/renderer. From sources (tsx): <repo>/out/renderer.
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, '..', 'renderer'),
    join(here, '..', '..', '..', 'out', 'renderer'),
    join(here, '..', '..', 'out', 'renderer'),
  ];
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? candidates[0]!;
}

export const serve: Command = {
  path: ['serve'],
  summary: 'Start the browser shell (the whole app at a 127.0.0.1 URL)',
  usage: `wirelab serve [--port N] [--data-dir D] [--no-discovery] [--json]

  --port N        port for the page and its socket (default 0 = the port this data dir
                  used last if free, else any free port)
  --data-dir D    settings, history and saved items (default ${defaultBrowserShellDataDir()});
                  two instances need two directories
  --no-discovery  do not announce or browse the LAN (mDNS) — for chat
Prints the URL with the data dir's access token (kept in a file only you can read, so a
tab open before a restart reconnects). Bound to 127.0.0.1 only.`,
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'no-discovery': { type: 'boolean', default: false },
  },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const port = intArg(values.port, '--port', 0, 65535);
    const dir = rendererDir();
    if (!existsSync(join(dir, 'index.html'))) {
      io.err(`wirelab: the renderer is not built (${dir}); run \`npm run build\` first`);
      return EXIT.FAILED;
    }
    const shell = await startBrowserShell({
      port,
      // Without --port: the port this data dir used last, so tabs open before a restart reconnect.
      reusePort: true,
      dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultBrowserShellDataDir(),
      rendererDir: dir,
      version,
      ...(values['no-discovery'] === true ? { chatDiscovery: false } : {}),
    });
    io.out(`Wirelab browser shell: ${shell.url}`, {
      type: 'listening',
      url: shell.url,
      port: shell.port,
      dataDir: shell.services.dataDir.path,
    });
    await io.interrupted;
    await shell.close();
    return EXIT.OK;
  },
};
