// Instance-level methods: who am I, settings (persisted atomically), and the shell's safe external-open.
import { Settings, type AppInfo } from '../../shared/contract/app';
import type { AppEvent } from '../../shared/contract/app';
import { TypedEmitter } from '../engines/common/emitter';
import { JsonFile, type StorageProblem } from '../storage/json-file';
import type { DataDir } from '../storage/data-dir';
import { isSafeExternalUrl } from './url-policy';

export interface ShellHooks {
  shell: 'electron' | 'browser';
  version: string;
  /** Opens a vetted http(s) URL outside the app. The browser shell has none: the page opens it itself. */
  openExternal?: (url: string) => Promise<void>;
}

export class AppService extends TypedEmitter<AppEvent> {
  private readonly settingsFile: JsonFile<typeof Settings>;
  private settings: Settings;
  readonly problems: StorageProblem[] = [];

  constructor(
    private readonly dataDir: DataDir,
    private readonly hooks: ShellHooks,
  ) {
    super();
    this.settingsFile = new JsonFile(dataDir.file('settings.json'), Settings, (p) => this.problems.push(p));
    this.settings = this.settingsFile.load();
  }

  info(): AppInfo {
    return {
      name: 'Wirelab',
      version: this.hooks.version,
      shell: this.hooks.shell,
      platform: process.platform,
      dataDir: this.dataDir.path,
      storageProblems: [...this.problems],
    };
  }

  getSettings(): Settings {
    return { ...this.settings };
  }

  setSettings(patch: Partial<Settings>): Settings {
    const next = Settings.parse({ ...this.settings, ...patch });
    this.settingsFile.save(next);
    this.settings = next;
    this.emit({
      engine: 'app',
      type: 'settings.changed',
      session: 'app',
      at: Date.now(),
      settings: { ...next },
    });
    return { ...next };
  }

  async openExternal(input: { url: string }): Promise<{ opened: boolean }> {
    if (!isSafeExternalUrl(input.url) || !this.hooks.openExternal) return { opened: false };
    await this.hooks.openExternal(input.url);
    return { opened: true };
  }
}
