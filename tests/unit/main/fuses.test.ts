// The packaging hook flips Electron's fuses: run it on a stand-in binary carrying Electron's fuse
// sentinel and read the fuse wire back with @electron/fuses itself.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

// @electron/fuses' FuseState (not exported from its index): the byte stored per fuse.
const FuseState = { DISABLE: 0x30, ENABLE: 0x31 } as const;

const require = createRequire(import.meta.url);
const hook = require('../../../build/after-pack.cjs') as ((ctx: unknown) => Promise<void>) & {
  electronBinaryPath(ctx: unknown): string;
};
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

function context(dir: string, platform: string) {
  return {
    appOutDir: dir,
    electronPlatformName: platform,
    packager: { appInfo: { productFilename: 'Wirelab' }, executableName: 'wirelab' },
  };
}

describe('afterPack fuses', () => {
  it('turns off run-as-node, NODE_OPTIONS and inspect; turns on asar integrity and asar-only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-fuses-'));
    const binary = join(dir, 'wirelab');
    // Electron's layout: sentinel, wire version 1, wire length, then one byte per fuse ('1' = on).
    const enabled = String.fromCharCode(...Array(8).fill(0x31));
    writeFileSync(
      binary,
      Buffer.concat([
        Buffer.alloc(64),
        Buffer.from(`${SENTINEL}\x01\x08${enabled}`, 'latin1'),
        Buffer.alloc(64),
      ]),
    );
    expect(hook.electronBinaryPath(context(dir, 'linux'))).toBe(binary);
    expect(hook.electronBinaryPath(context(dir, 'win32'))).toBe(join(dir, 'Wirelab.exe'));
    expect(hook.electronBinaryPath(context(dir, 'darwin'))).toBe(join(dir, 'Wirelab.app'));
    await hook(context(dir, 'linux'));
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    // Untouched: cookie encryption keeps Electron's default.
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
  });
});
