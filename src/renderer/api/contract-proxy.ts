// The renderer's typed API object, built without the contract's schemas.
import type { WirelabApi } from '../../shared/contract';
import { channelName } from '../../shared/contract/define';
import type { Result } from '../../shared/errors';

/** Engine and method names are camelCase words. */
const NAME = /^[a-z][A-Za-z0-9]*$/;
/**
 * Looked up by the runtime on any object (a thenable? JSON?): never an engine or a method, so the object
 * is not taken for a promise. Symbols and Vue's `__v_*` flags fail NAME and stay undefined too.
 */
const NOT_NAMES = new Set(['then', 'toJSON']);

type Invoke = (channel: string, input: unknown) => Promise<Result<unknown>>;
type Method = (input: unknown) => Promise<Result<unknown>>;

/**
 * The typed API object without the contract's schemas: `api.<engine>.<method>(input)` sends the channel
 * `<engine>.<method>`, which the shell checks against the contract (an unknown one is answered with
 * UNKNOWN_CHANNEL). Building the object from the contract made every page load evaluate every engine's
 * zod schemas first — about a third of a second of CPU before the first paint; the pages that use
 * schemas load them with their own code.
 */
export function contractProxy(
  base: Readonly<Pick<WirelabApi, 'shell' | 'onEvents'>>,
  invoke: Invoke,
): WirelabApi {
  const engines = new Map<string, Readonly<Record<string, Method>>>();
  const named = (key: string | symbol): key is string =>
    typeof key === 'string' && NAME.test(key) && !NOT_NAMES.has(key) && !(key in Object.prototype);
  const engineApi = (engine: string): Readonly<Record<string, Method>> => {
    const methods = new Map<string, Method>();
    return new Proxy(Object.freeze({}), {
      get: (_target, name) => {
        if (!named(name)) return undefined;
        let fn = methods.get(name);
        if (!fn) methods.set(name, (fn = (input: unknown) => invoke(channelName(engine, name), input)));
        return fn;
      },
    });
  };
  return new Proxy(base, {
    get: (target, key, receiver) => {
      if (Object.hasOwn(target, key) || !named(key)) return Reflect.get(target, key, receiver) as unknown;
      let ns = engines.get(key);
      if (!ns) engines.set(key, (ns = engineApi(key)));
      return ns;
    },
  }) as unknown as WirelabApi;
}
