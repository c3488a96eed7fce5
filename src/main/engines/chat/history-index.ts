// The sparse per-room index of the chat server's log: (seq, byte offset) entries that let older history
// be read back with a bounded scan. Pure bookkeeping, no file access.

/**
 * Where a room's messages are in the log. Entries are added in log order, so both seq and offset ascend.
 * Invariant (from the byte rule): a message with seq s lies less than `historyIndexBytes` after the last
 * entry with seq <= s, so reading one stretch between entries costs a bounded number of bytes.
 */
export interface RoomIndex {
  entries: { seq: number; offset: number }[];
  /** Oldest sequence number of the room still stored (in the log, or in memory after compaction). */
  first: number;
}

/**
 * Adds (seq, offset) when the room's last entry is `stride` messages or `maxBytes` log bytes back (or
 * when there is none). Returns true when an entry was added.
 */
export function addIndexEntry(
  ix: RoomIndex,
  seq: number,
  offset: number,
  stride: number,
  maxBytes: number,
): boolean {
  const last = ix.entries.at(-1);
  if (last && seq - last.seq < stride && offset - last.offset < maxBytes) return false;
  ix.entries.push({ seq, offset });
  return true;
}

/** Index of the last entry with seq <= `seq`, or -1 (binary search: entries ascend). */
export function lastEntryAtOrBefore(entries: { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = entries.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.seq <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
