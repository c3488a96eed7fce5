// App-level contract: instance info and persisted settings.
import { z } from 'zod';
import { method } from './define';
import { empty } from './common';

export const Theme = z.enum(['system', 'light', 'dark']);

export const Settings = z.object({
  theme: Theme.default('system'),
  /** Rows kept per session log in the renderer and in the main-process event buffers. */
  logLimit: z.number().int().min(100).max(1_000_000).default(10_000),
  textView: z.enum(['utf8', 'latin1', 'hex']).default('utf8'),
  /** Announce and browse chat servers on the LAN (mDNS). `--no-discovery` overrides it. */
  lanDiscovery: z.boolean().default(true),
});
export type Settings = z.infer<typeof Settings>;

export const AppInfo = z.object({
  name: z.literal('Wirelab'),
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  platform: z.string(),
  dataDir: z.string(),
  /** Files found corrupt at start-up and set aside, with where they were moved. */
  storageProblems: z.array(z.object({ file: z.string(), movedTo: z.string(), message: z.string() })),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appContract = {
  info: method(empty(), AppInfo),
  getSettings: method(empty(), Settings),
  setSettings: method(Settings.partial().strict(), Settings),
  openExternal: method(z.object({ url: z.string().max(8192) }).strict(), z.object({ opened: z.boolean() })),
};

export type AppEvent =
  | { engine: 'app'; type: 'settings.changed'; session: 'app'; at: number; settings: Settings }
  | {
      engine: 'app';
      type: 'storage.problem';
      session: 'app';
      at: number;
      file: string;
      movedTo: string;
      message: string;
    }
  /**
   * The engine host process died and a new one answers calls again (its engines start empty): the
   * renderer re-applies its workspace. `restarts` counts replacements since the shell started.
   */
  | { engine: 'app'; type: 'host.restarted'; session: 'app'; at: number; restarts: number };
