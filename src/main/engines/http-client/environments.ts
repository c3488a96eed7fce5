// The variables a request sees: those of the chosen (or active) saved environment, over the values
// captured during this app run while no environment was in use. Captures go back into the
// environment the request used (saved, so they survive a restart). Knows nothing of requests.
import type { HttpEnvironments } from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';
import type { JsonFile } from '../common/json-file';
import type { Variables } from './prepare';

export class EnvironmentVariables {
  /** Values captured while no environment was in use; they live as long as the app runs. */
  private readonly runtime = new Map<string, string>();

  constructor(
    private readonly file: JsonFile<typeof HttpEnvironments>,
    /** Called after captures were saved into an environment. */
    private readonly saved: () => void,
  ) {}

  of(name: string | undefined): Variables {
    const envs = this.file.load();
    const chosen = name ?? envs.active ?? undefined;
    if (chosen === undefined) return new Map(this.runtime);
    const env = envs.environments.find((e) => e.name === chosen);
    if (!env) throw new EngineError('NOT_FOUND', `no environment named ${chosen}`);
    return new Map([
      ...this.runtime,
      ...env.variables.filter((v) => v.enabled && v.name).map((v): [string, string] => [v.name, v.value]),
    ]);
  }

  /** Captured values into the environment `name` (or the active one); with none, into this run's. */
  store(name: string | undefined, values: [string, string][]): void {
    if (!values.length) return;
    const envs = this.file.load();
    const chosen = name ?? envs.active ?? undefined;
    const env = chosen === undefined ? undefined : envs.environments.find((e) => e.name === chosen);
    if (!env) {
      for (const [k, v] of values) this.runtime.set(k, v);
      return;
    }
    for (const [k, v] of values) {
      const existing = env.variables.find((x) => x.name === k);
      if (existing) {
        existing.value = v;
        existing.enabled = true;
      } else env.variables.push({ name: k, value: v, enabled: true });
    }
    this.file.save(envs);
    this.saved();
  }
}
