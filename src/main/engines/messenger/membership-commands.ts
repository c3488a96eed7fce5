// What "add members", "remove members" and "leave" write to a group: one `members` message naming only
// the change (who is added, who is removed), so that changes made by different members at the same time
// merge (membership.ts) instead of one member's whole list overwriting another's. Every such message
// also carries the member set it results in, for members that join later and have not seen the rest.
import { EngineError } from '../common/errors';
import type { Conversation } from './conversation';
import type { ComposeBody } from './store';

/** A group we are still in, or a coded error. */
export function ownGroup(c: Conversation, self: string): Conversation {
  if (c.kind !== 'group') throw new EngineError('INVALID_INPUT', `${c.id} is a direct conversation`);
  if (!c.members.includes(self)) throw new EngineError('MESSENGER_NOT_MEMBER', `not a member of ${c.id}`);
  return c;
}

export function addChange(c: Conversation, add: string[], maxMembers: number): ComposeBody {
  const fresh = [...new Set(add)].filter((m) => !c.members.includes(m)).sort();
  if (fresh.length === 0) throw new EngineError('INVALID_INPUT', 'they are all members already');
  const members = [...c.members, ...fresh].sort();
  if (members.length > maxMembers)
    throw new EngineError('LIMIT_EXCEEDED', `a group has at most ${maxMembers} members`);
  return { kind: 'members', text: '', add: fresh, members, name: c.name };
}

export function removeChange(c: Conversation, remove: string[], self: string): ComposeBody {
  const gone = [...new Set(remove)].sort();
  if (gone.includes(self)) throw new EngineError('INVALID_INPUT', 'to remove yourself, leave the group');
  const strangers = gone.filter((m) => !c.members.includes(m));
  if (strangers.length > 0)
    throw new EngineError('MESSENGER_NOT_MEMBER', `not members of ${c.name}: ${strangers.join(', ')}`);
  const members = c.members.filter((m) => !gone.includes(m));
  return { kind: 'members', text: '', remove: gone, members, name: c.name };
}

export function leaveChange(c: Conversation, self: string): ComposeBody {
  const members = c.members.filter((m) => m !== self);
  return { kind: 'members', text: '', remove: [self], members, name: c.name };
}

/** Who one of our messages goes to: the members before it, those it adds and those it removes. */
export function targetsOf(c: Conversation, body: ComposeBody, self: string): string[] {
  const all = [...c.members, ...(body.members ?? []), ...(body.add ?? []), ...(body.remove ?? [])];
  return [...new Set(all)].filter((m) => m !== self);
}
