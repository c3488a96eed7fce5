// Events can overtake the reply that creates their session (a welcome message arrives in the same
// instant the connect call resolves). Stores park them here — bounded per session and in sessions —
// and take them back to replay once the session exists.
export class EventParking<E extends { session: string }> {
  private readonly parked = new Map<string, E[]>();

  constructor(
    private readonly maxPerSession = 1000,
    private readonly maxSessions = 50,
  ) {}

  park(e: E): void {
    const list = this.parked.get(e.session) ?? [];
    if (list.length < this.maxPerSession) list.push(e);
    this.parked.set(e.session, list);
    if (this.parked.size > this.maxSessions) this.parked.delete(this.parked.keys().next().value as string);
  }

  /** The parked events of a session, oldest first, removed from the lot. */
  take(session: string): E[] {
    const list = this.parked.get(session);
    this.parked.delete(session);
    return list ?? [];
  }
}
