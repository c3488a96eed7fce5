// Engine events without the envelope (engine, session, at), which the service adds when it emits.
import type { MessengerEvent } from '../../../shared/contract/messenger';

type Body<E> = E extends unknown ? Omit<E, 'engine' | 'session' | 'at'> : never;

export type MeshEvent = Body<MessengerEvent>;
