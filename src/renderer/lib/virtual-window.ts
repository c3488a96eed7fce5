// The arithmetic of a virtualised list whose rows have different heights (chat messages wrap): a height
// per row key (measured once rendered, estimated before), prefix sums for offsets, the window of rows to
// render for a scroll position, and the anchor that keeps the reader's place when rows go in above them
// or a row above changes height. Pure and DOM-free, so it is unit-tested directly; the component only
// feeds it measurements and scroll positions.

/** Where a row starts and how tall it is, in pixels from the top of the list. */
export interface RowBox {
  top: number;
  height: number;
}

/** A row that was in view and how far below the viewport's top edge it started (negative: above it). */
export interface Anchor {
  key: string;
  offset: number;
}

export class HeightIndex {
  /** Measured heights by row key; rows never rendered use `estimate`. Kept across syncs. */
  private readonly measured = new Map<string, number>();
  private keys: readonly string[] = [];
  private position = new Map<string, number>();
  /** offsets[i] = top of row i; offsets[n] = total height. */
  private offsets = new Float64Array(1);

  constructor(private readonly estimate: number) {}

  get count(): number {
    return this.keys.length;
  }
  get total(): number {
    return this.offsets[this.keys.length] ?? 0;
  }

  /**
   * Takes the list's current keys (after rows were added, removed or put in front) and recomputes the
   * offsets. Heights of keys no longer listed are forgotten, so the cache is bounded by the list.
   */
  sync(keys: readonly string[]): void {
    this.keys = keys;
    this.position = new Map();
    keys.forEach((k, i) => this.position.set(k, i));
    for (const k of this.measured.keys()) if (!this.position.has(k)) this.measured.delete(k);
    this.rebuild();
  }

  /** Records a rendered row's height. Returns whether anything moved (offsets are then recomputed). */
  setHeights(entries: Iterable<readonly [string, number]>): boolean {
    let changed = false;
    for (const [key, h] of entries) {
      if (!this.position.has(key) || !(h >= 0)) continue;
      if (this.measured.get(key) === h) continue;
      this.measured.set(key, h);
      changed = true;
    }
    if (changed) this.rebuild();
    return changed;
  }

  heightOf(key: string): number {
    return this.measured.get(key) ?? this.estimate;
  }

  indexOf(key: string): number | undefined {
    return this.position.get(key);
  }

  keyAt(i: number): string | undefined {
    return this.keys[i];
  }

  box(i: number): RowBox {
    const top = this.offsets[i] ?? this.total;
    return { top, height: (this.offsets[i + 1] ?? top) - top };
  }

  /** The row that covers pixel `y` (clamped to the list): binary search over the offsets. */
  indexAt(y: number): number {
    const n = this.keys.length;
    if (n === 0) return 0;
    if (y <= 0) return 0;
    if (y >= this.total) return n - 1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private rebuild(): void {
    const n = this.keys.length;
    const o = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) o[i + 1] = o[i]! + this.heightOf(this.keys[i]!);
    this.offsets = o;
  }
}

/**
 * Rows to render for a viewport: every row touching [scrollTop - overscan, scrollTop + height + overscan].
 * `last` is exclusive. The count is bounded by the viewport, never by the list.
 */
export function windowRange(
  index: HeightIndex,
  scrollTop: number,
  viewHeight: number,
  overscanPx: number,
): { first: number; last: number } {
  if (index.count === 0) return { first: 0, last: 0 };
  const first = index.indexAt(Math.max(0, scrollTop - overscanPx));
  const end = scrollTop + Math.max(0, viewHeight) + overscanPx;
  let last = index.indexAt(end) + 1;
  if (last > index.count) last = index.count;
  return { first, last };
}

/** The first row visible at `scrollTop`, and where it sits relative to the viewport's top. */
export function anchorAt(index: HeightIndex, scrollTop: number): Anchor | undefined {
  if (index.count === 0) return undefined;
  const i = index.indexAt(scrollTop);
  const key = index.keyAt(i);
  return key === undefined ? undefined : { key, offset: index.box(i).top - scrollTop };
}

/**
 * The scroll position that puts the anchor row where it was (after rows went in above it, or rows above
 * it were measured). Undefined when the anchor row is gone.
 */
export function scrollForAnchor(index: HeightIndex, anchor: Anchor): number | undefined {
  const i = index.indexOf(anchor.key);
  if (i === undefined) return undefined;
  return Math.max(0, index.box(i).top - anchor.offset);
}

/** Whether a scroll position is at the end of the list (within `slack` pixels): new rows then follow. */
export function atEnd(scrollTop: number, viewHeight: number, scrollHeight: number, slack = 24): boolean {
  return scrollHeight - scrollTop - viewHeight <= slack;
}

/**
 * Rows after `lastSeenKey` (the newest row the reader had at the end of the list when they scrolled
 * away): the "N new messages" count. A key no longer listed (trimmed) counts every row as new only if
 * the list is not empty; undefined means nothing was seen yet.
 */
export function countAfter(keys: readonly string[], lastSeenKey: string | undefined): number {
  if (lastSeenKey === undefined) return 0;
  for (let i = keys.length - 1; i >= 0; i--) if (keys[i] === lastSeenKey) return keys.length - 1 - i;
  return keys.length;
}

/** Where a keyboard key moves the list: PageUp/PageDown by most of a viewport, Home/End to the ends. */
export function keyScroll(
  key: string,
  scrollTop: number,
  viewHeight: number,
  scrollHeight: number,
): number | undefined {
  const page = Math.max(1, viewHeight * 0.9);
  const max = Math.max(0, scrollHeight - viewHeight);
  switch (key) {
    case 'PageUp':
      return Math.max(0, scrollTop - page);
    case 'PageDown':
      return Math.min(max, scrollTop + page);
    case 'Home':
      return 0;
    case 'End':
      return max;
    default:
      return undefined;
  }
}
