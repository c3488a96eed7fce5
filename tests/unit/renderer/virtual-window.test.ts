import { describe, expect, it } from 'vitest';
import {
  HeightIndex,
  anchorAt,
  atEnd,
  countAfter,
  keyScroll,
  scrollForAnchor,
  windowRange,
} from '../../../src/renderer/lib/virtual-window';

const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe('HeightIndex', () => {
  it('lays out estimated rows, then measured ones, with prefix sums', () => {
    const idx = new HeightIndex(20);
    idx.sync(keys(0, 5));
    expect(idx.total).toBe(100);
    expect(idx.box(3)).toEqual({ top: 60, height: 20 });
    expect(idx.setHeights([['m1', 50]])).toBe(true);
    expect(idx.total).toBe(130);
    expect(idx.box(2)).toEqual({ top: 70, height: 20 });
    // The same height again changes nothing; unknown keys and bad numbers are ignored.
    expect(
      idx.setHeights([
        ['m1', 50],
        ['nope', 10],
        ['m2', Number.NaN],
      ]),
    ).toBe(false);
  });

  it('finds the row under a pixel by binary search, clamped to the list', () => {
    const idx = new HeightIndex(10);
    idx.sync(keys(0, 1000));
    idx.setHeights([['m0', 100]]);
    expect(idx.indexAt(-5)).toBe(0);
    expect(idx.indexAt(99)).toBe(0);
    expect(idx.indexAt(100)).toBe(1);
    expect(idx.indexAt(105)).toBe(1);
    expect(idx.indexAt(110)).toBe(2);
    expect(idx.indexAt(1e9)).toBe(999);
  });

  it('keeps measured heights when rows go in front, and forgets rows no longer listed', () => {
    const idx = new HeightIndex(10);
    idx.sync(keys(100, 110));
    idx.setHeights([['m100', 40]]);
    idx.sync([...keys(0, 100), ...keys(100, 110)]);
    expect(idx.heightOf('m100')).toBe(40);
    expect(idx.box(100).top).toBe(1000);
    idx.sync(keys(105, 110));
    expect(idx.heightOf('m100')).toBe(10);
  });
});

describe('windowRange', () => {
  it('renders only rows near the viewport: 20,000 rows, a few dozen in the DOM', () => {
    const idx = new HeightIndex(24);
    idx.sync(keys(0, 20_000));
    const top = windowRange(idx, 0, 420, 200);
    expect(top.first).toBe(0);
    expect(top.last).toBe(Math.floor(620 / 24) + 1);
    const mid = windowRange(idx, 240_000, 420, 200);
    expect(mid.first).toBe(Math.floor((240_000 - 200) / 24));
    expect(mid.last - mid.first).toBeLessThan(50);
    const end = windowRange(idx, idx.total - 420, 420, 200);
    expect(end.last).toBe(20_000);
    expect(windowRange(new HeightIndex(24), 0, 420, 200)).toEqual({ first: 0, last: 0 });
  });
});

describe('anchoring', () => {
  it('keeps the row the reader looked at in place when an older page goes in above', () => {
    const idx = new HeightIndex(20);
    idx.sync(keys(100, 200));
    // The reader is at the top: row m100 starts 0 px below the viewport's top.
    const a = anchorAt(idx, 0)!;
    expect(a).toEqual({ key: 'm100', offset: 0 });
    idx.sync([...keys(0, 100), ...keys(100, 200)]);
    idx.setHeights([['m50', 60]]);
    // 100 rows of 20 px, one of them 40 px taller, went in above m100.
    expect(scrollForAnchor(idx, a)).toBe(2040);
  });

  it('keeps a row partly scrolled out at the same offset when a row above is measured', () => {
    const idx = new HeightIndex(20);
    idx.sync(keys(0, 100));
    const a = anchorAt(idx, 205)!;
    expect(a).toEqual({ key: 'm10', offset: -5 });
    idx.setHeights([['m3', 45]]);
    expect(scrollForAnchor(idx, a)).toBe(230);
    idx.sync(keys(20, 100));
    expect(scrollForAnchor(idx, a)).toBeUndefined();
  });
});

describe('end of list, new rows, keys', () => {
  it('is at the end within the slack only', () => {
    expect(atEnd(580, 420, 1000)).toBe(true);
    expect(atEnd(560, 420, 1000)).toBe(true);
    expect(atEnd(500, 420, 1000)).toBe(false);
  });

  it('counts rows after the last one seen, not rows put in front', () => {
    expect(countAfter(keys(0, 10), 'm9')).toBe(0);
    expect(countAfter(keys(0, 13), 'm9')).toBe(3);
    expect(countAfter([...keys(-100, 0), ...keys(0, 13)], 'm9')).toBe(3);
    expect(countAfter(keys(0, 13), undefined)).toBe(0);
    // The seen row was trimmed away: everything listed is newer.
    expect(countAfter(keys(50, 60), 'm9')).toBe(10);
  });

  it('moves by most of a page and to the ends', () => {
    expect(keyScroll('PageDown', 0, 400, 10_000)).toBe(360);
    expect(keyScroll('PageUp', 100, 400, 10_000)).toBe(0);
    expect(keyScroll('PageDown', 9500, 400, 10_000)).toBe(9600);
    expect(keyScroll('Home', 5000, 400, 10_000)).toBe(0);
    expect(keyScroll('End', 0, 400, 10_000)).toBe(9600);
    expect(keyScroll('a', 0, 400, 10_000)).toBeUndefined();
  });
});
