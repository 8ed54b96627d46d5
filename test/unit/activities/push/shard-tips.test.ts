// The forwarder's book of what each shard stored lately: what it publishes, when it must publish again.
import { ShardTipsBook } from '../../../../activities/push/shard-tips';

const T = 1_700_000_000_000;

/** A map's entries in iteration order (the order the tips are published in). */
const entries = (taken: { tips: ReadonlyMap<string, number> }): [string, number][] => [...taken.tips];

describe('ShardTipsBook', () => {
  it('starts clean: what an earlier run published stands until this one has a tip to publish', () => {
    const book = new ShardTipsBook();
    expect(book.dirty).toBe(false);
    book.note('a', 4, T);
    expect(book.dirty).toBe(true);
    expect(entries(book.take(T))).toEqual([['a', 4]]);
    expect(book.dirty).toBe(false);
  });

  it('clear empties the tips and makes the book dirty, so the emptied item is published (a closed shard)', () => {
    const book = new ShardTipsBook();
    book.note('a', 4, T);
    book.take(T);
    book.clear();
    expect(book.dirty).toBe(true);
    expect(entries(book.take(T + 1))).toEqual([]);
  });

  it('takes the highest index of each execution, the most recently appended to first', () => {
    const book = new ShardTipsBook();
    book.note('a', 3, T);
    book.note('b', 5, T + 1);
    book.note('c', 2, T + 2);
    // 'a' is appended to again: it moves to the front, with its new tip.
    book.note('a', 9, T + 3);
    expect(entries(book.take(T + 4))).toEqual([
      ['a', 9],
      ['c', 2],
      ['b', 5],
    ]);
  });

  it('a take cleans the book, a note dirties it again, and a failed publication leaves it dirty', () => {
    const book = new ShardTipsBook();
    book.note('a', 1, T);
    expect(book.dirty).toBe(true);
    book.take(T);
    expect(book.dirty).toBe(false);
    book.note('a', 2, T + 1);
    expect(book.dirty).toBe(true);
    const taken = book.take(T + 1);
    expect(book.dirty).toBe(false);
    book.failed();
    expect(book.dirty).toBe(true);
    // The retry publishes the same tips.
    expect(entries(book.take(T + 2))).toEqual(entries(taken));
    expect(book.dirty).toBe(false);
  });

  it('a lower or equal index never replaces a higher one, and does not dirty a clean book', () => {
    const book = new ShardTipsBook();
    book.note('a', 7, T);
    book.note('b', 1, T + 1);
    book.take(T + 1);
    book.note('a', 4, T + 2);
    book.note('a', 7, T + 2);
    expect(book.dirty).toBe(false);
    // Nor does it move 'a' ahead of 'b': it was not appended to past its tip.
    book.failed();
    expect(entries(book.take(T + 3))).toEqual([
      ['b', 1],
      ['a', 7],
    ]);
  });

  it('drops executions idle past keepMs (a stale entry costs nothing, but the item must not grow forever)', () => {
    const book = new ShardTipsBook({ keepMs: 1000 });
    book.note('old', 1, T);
    book.note('mid', 2, T + 500);
    book.note('new', 3, T + 1500);
    // At T + 1500: 'old' was appended to 1500 ms ago, 'mid' 1000 ms ago (kept: at most keepMs).
    expect(entries(book.take(T + 1500))).toEqual([
      ['new', 3],
      ['mid', 2],
    ]);
    book.failed();
    expect(entries(book.take(T + 2600))).toEqual([]);
    // Once dropped, a later append brings the execution back.
    book.note('old', 4, T + 3000);
    expect(entries(book.take(T + 3000))).toEqual([['old', 4]]);
  });

  it('caps the tips at maxTips, keeping the most recently appended to', () => {
    const book = new ShardTipsBook({ maxTips: 3 });
    for (let i = 1; i <= 10; i++) book.note(`e${i}`, i * 10, T + i);
    expect(entries(book.take(T + 11))).toEqual([
      ['e10', 100],
      ['e9', 90],
      ['e8', 80],
    ]);
    // The cap is on what is published: an older execution appended to again is back among the newest.
    book.note('e1', 11, T + 12);
    expect(entries(book.take(T + 12))).toEqual([
      ['e1', 11],
      ['e10', 100],
      ['e9', 90],
    ]);
  });

  it('defaults: keeps an execution idle for 60 s, and up to 5000 executions', () => {
    const book = new ShardTipsBook();
    for (let i = 0; i < 5001; i++) book.note(`e${i}`, 1, T);
    const taken = book.take(T + 60_000);
    expect(taken.tips.size).toBe(5000);
    expect(taken.tips.has('e0')).toBe(false);
    expect(taken.tips.has('e5000')).toBe(true);
    // The one left out is counted, for the forwarder to say so.
    expect(taken.left).toBe(1);
    book.failed();
    expect(book.take(T + 60_001).tips.size).toBe(0);
  });

  it('publishes only the tailed executions, and is dirtied when what is tailed changes', () => {
    const book = new ShardTipsBook();
    book.note('tailed', 5, T);
    book.note('quiet', 7, T);
    const tailed = new Set(['tailed']);
    expect(entries(book.take(T, (id) => tailed.has(id)))).toEqual([['tailed', 5]]);
    // A tail starts on the quiet one: its tip, noted before, is published at once.
    tailed.add('quiet');
    book.touch();
    expect(book.dirty).toBe(true);
    expect(entries(book.take(T + 1, (id) => tailed.has(id)))).toEqual([
      ['quiet', 7],
      ['tailed', 5],
    ]);
  });
});
