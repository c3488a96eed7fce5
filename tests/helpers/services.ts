// The app's services (createServices) for a test that calls the dispatcher as the page and the CLI do: a
// fresh data directory, no LAN discovery, no restored workspace; closed and removed when the test finishes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { createServices, type Services } from '../../src/main/services';

export function testServices(prefix: string): Services {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const services = createServices({
    dataDir: dir,
    shell: 'browser',
    version: 'test',
    chatDiscovery: false,
    restoreWorkspace: false,
  });
  onTestFinished(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return services;
}
