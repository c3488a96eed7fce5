// A tiny typed event emitter for engine events (discriminated unions by `type`).
// Listener errors are isolated so one faulty subscriber cannot break an engine's socket handling.
export type Listener<E> = (event: E) => void;

export class TypedEmitter<E> {
  private readonly listeners = new Set<Listener<E>>();

  on(listener: Listener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emit(event: E): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
