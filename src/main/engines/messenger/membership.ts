// A group's member set as a state-based CRDT, so that members added and removed by different members
// at the same time end up the same on every member, whatever order the changes arrive in.
//
// Every change is a `members` message: who it adds, who it removes, optionally a new group name,
// stamped with the message's place in display order (Lamport time, then sender id — a total order the
// same on every member). Per member id we keep the latest change about it ("last writer wins" per
// element): in or out, and the stamp that said so. Applying a change is a max over a total order, so
// applying any set of changes in any order, with repeats, gives the same state (commutative,
// associative, idempotent). The name is one more such register. A member that was removed and added
// again later is in; one removed by a change later than its addition is out.
//
// Until the changes themselves are held (a member that learned of the group from a later message), the
// member sets that every group message carries stand in for the ids no change speaks of yet; once every
// message is held, every listed member has a change of its own and the stand-ins no longer matter.
// Pure: no disk, no sockets.

export interface Stamp {
  lamport: number;
  from: string;
}

export interface MembershipChange {
  stamp: Stamp;
  add: readonly string[];
  remove: readonly string[];
  name?: string;
}

/** The fields of a message this module reads (a WireMessage has them all). */
export interface MembersMessage {
  lamport: number;
  from: string;
  kind: string;
  members?: readonly string[];
  add?: readonly string[];
  remove?: readonly string[];
  name?: string;
}

/** Display order: Lamport time, then sender id. Negative when a is earlier. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport;
  return a.from < b.from ? -1 : a.from > b.from ? 1 : 0;
}

interface Entry {
  in: boolean;
  stamp: Stamp;
}

export class Membership {
  private readonly entries = new Map<string, Entry>();
  /** Member ids seen in the member sets messages carry, for ids no change speaks of yet. */
  private readonly standIns = new Set<string>();
  private nameStamp?: Stamp;
  private currentName: string;
  private cached?: string[];

  constructor(members: readonly string[], name: string) {
    for (const m of members) this.standIns.add(m);
    this.currentName = name;
  }

  /** Applies one change; true when the member set or the name changed. */
  apply(change: MembershipChange): boolean {
    let changed = false;
    // A change both adding and removing one id (malformed) counts as removing it.
    const ops: [string, boolean][] = [
      ...change.add.map((id): [string, boolean] => [id, true]),
      ...change.remove.map((id): [string, boolean] => [id, false]),
    ];
    for (const [id, isIn] of ops) {
      const e = this.entries.get(id);
      const cmp = e ? compareStamps(e.stamp, change.stamp) : -1;
      if (cmp < 0 || (cmp === 0 && e!.in && !isIn)) {
        if (!e || e.in !== isIn) changed = true;
        this.entries.set(id, { in: isIn, stamp: change.stamp });
      }
    }
    if (change.name && (!this.nameStamp || compareStamps(this.nameStamp, change.stamp) < 0)) {
      if (this.currentName !== change.name) changed = true;
      this.nameStamp = change.stamp;
      this.currentName = change.name;
    }
    if (changed) this.cached = undefined;
    return changed;
  }

  /** Ids listed in a message's member set count as members until a change about them is held. */
  standIn(members: readonly string[]): boolean {
    let changed = false;
    for (const m of members) {
      if (this.standIns.has(m)) continue;
      this.standIns.add(m);
      if (!this.entries.has(m)) changed = true;
    }
    if (changed) this.cached = undefined;
    return changed;
  }

  /** The current members, sorted. */
  get members(): string[] {
    if (!this.cached) {
      const out = new Set<string>();
      for (const [id, e] of this.entries) if (e.in) out.add(id);
      for (const id of this.standIns) if (!this.entries.has(id)) out.add(id);
      this.cached = [...out].sort();
    }
    return this.cached;
  }

  get name(): string {
    return this.currentName;
  }

  has(id: string): boolean {
    const e = this.entries.get(id);
    return e ? e.in : this.standIns.has(id);
  }

  /** When `id` was (last) added, while it is in; undefined otherwise. */
  addedAt(id: string): Stamp | undefined {
    const e = this.entries.get(id);
    return e && e.in ? e.stamp : undefined;
  }

  /** When `id` was removed (its latest change says out), or undefined while it is in or never was. */
  removedAt(id: string): Stamp | undefined {
    const e = this.entries.get(id);
    return e && !e.in ? e.stamp : undefined;
  }
}

/**
 * The membership change a message makes, or undefined for a message that changes nothing. `add` and
 * `remove` say it; a `members` message without them (the protocol's first form, still in older
 * histories) lists the whole new set: everyone listed is added and, relative to `known` (the set before
 * it), everyone missing is removed.
 */
export function changeOf(m: MembersMessage, known: readonly string[]): MembershipChange | undefined {
  if (m.kind !== 'members') return undefined;
  const stamp = { lamport: m.lamport, from: m.from };
  const name = m.name || undefined;
  if (m.add || m.remove) return { stamp, add: m.add ?? [], remove: m.remove ?? [], name };
  const listed = m.members ?? [];
  return { stamp, add: listed, remove: known.filter((k) => !listed.includes(k)), name };
}
