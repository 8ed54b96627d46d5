import { judgePutLogEvents, mergeRejected } from '../../../../src/devstack/strict-aws/put-log-events';
import { DEFAULT_RULES } from '../../../../src/devstack/strict-aws/rules';

const NOW = Date.UTC(2026, 0, 15);
const rules = DEFAULT_RULES.putLogEvents;
const at = (timestamp: number, message = 'x') => ({ timestamp, message });

describe('judgePutLogEvents', () => {
  test('a valid batch is forwarded whole', () => {
    expect(judgePutLogEvents([at(NOW - 1), at(NOW)], rules, NOW)).toEqual({
      kind: 'forward',
      first: 0,
      end: 2,
      rejected: undefined,
    });
  });

  test('an empty message refuses the whole batch', () => {
    const verdict = judgePutLogEvents([at(NOW, 'a'), at(NOW, ''), at(NOW, 'b')], rules, NOW);
    expect(verdict).toMatchObject({ kind: 'refuse', fault: { status: 400, type: 'InvalidParameterException' } });
  });

  test('a message of spaces is a message', () => {
    expect(judgePutLogEvents([at(NOW, ' ')], rules, NOW).kind).toBe('forward');
  });

  test('event size counts UTF-8 bytes plus 26', () => {
    const limit = rules.maxEventBytes - 26;
    expect(judgePutLogEvents([at(NOW, 'a'.repeat(limit))], rules, NOW).kind).toBe('forward');
    expect(judgePutLogEvents([at(NOW, 'a'.repeat(limit + 1))], rules, NOW).kind).toBe('refuse');
    // 'é' is two bytes in UTF-8: half as many characters reach the limit.
    expect(judgePutLogEvents([at(NOW, 'é'.repeat(limit / 2 + 1))], rules, NOW).kind).toBe('refuse');
  });

  test('batch size: 1,048,576 bytes with 26 per event', () => {
    const message = 'm'.repeat(100_000 - 26);
    const fits = Array.from({ length: 10 }, () => at(NOW, message));
    expect(judgePutLogEvents(fits, rules, NOW).kind).toBe('forward');
    const over = [...fits, at(NOW, 'm'.repeat(48_576 - 26 + 1))];
    expect(judgePutLogEvents(over, rules, NOW)).toMatchObject({ kind: 'refuse', fault: { message: /too large/ } });
  });

  test('at most 10,000 events', () => {
    const events = Array.from({ length: 10_001 }, () => at(NOW));
    expect(judgePutLogEvents(events.slice(1), rules, NOW).kind).toBe('forward');
    expect(judgePutLogEvents(events, rules, NOW).kind).toBe('refuse');
  });

  test('events out of chronological order refuse the batch', () => {
    expect(judgePutLogEvents([at(NOW), at(NOW - 1)], rules, NOW)).toMatchObject({
      kind: 'refuse',
      fault: { type: 'InvalidParameterException', message: /chronological/ },
    });
  });

  test('a batch spanning more than 24 h is refused', () => {
    const day = 24 * 3_600_000;
    expect(judgePutLogEvents([at(NOW - day), at(NOW)], rules, NOW).kind).toBe('forward');
    expect(judgePutLogEvents([at(NOW - day - 1), at(NOW)], rules, NOW).kind).toBe('refuse');
  });

  test('the span counts valid events only: a too-old event does not widen it', () => {
    const old = NOW - 15 * 24 * 3_600_000;
    expect(judgePutLogEvents([at(old), at(NOW)], rules, NOW)).toEqual({
      kind: 'forward',
      first: 1,
      end: 2,
      rejected: { tooOldLogEventEndIndex: 1 },
    });
  });

  test('too old and too new events are dropped and reported (old end exclusive, new start inclusive)', () => {
    const tight = { ...rules, maxPastMs: 60_000, maxFutureMs: 60_000 };
    const events = [at(NOW - 120_000), at(NOW - 90_000), at(NOW), at(NOW + 1), at(NOW + 120_000)];
    expect(judgePutLogEvents(events, tight, NOW)).toEqual({
      kind: 'forward',
      first: 2,
      end: 4,
      rejected: { tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 4 },
    });
  });

  test('all events too old: nothing left to store', () => {
    const old = NOW - 15 * 24 * 3_600_000;
    expect(judgePutLogEvents([at(old)], rules, NOW)).toEqual({
      kind: 'forward',
      first: 1,
      end: 1,
      rejected: { tooOldLogEventEndIndex: 1 },
    });
  });

  test("the emulator's own report (inclusive, slice-relative) merges into the layer's", () => {
    expect(mergeRejected({ tooOldLogEventEndIndex: 2 }, 2, { tooNewLogEventStartIndex: 1 })).toEqual({
      tooOldLogEventEndIndex: 2,
      tooNewLogEventStartIndex: 3,
    });
    expect(mergeRejected(undefined, 0, { tooOldLogEventEndIndex: 0 })).toEqual({ tooOldLogEventEndIndex: 1 });
    expect(mergeRejected(undefined, 0, {})).toBeUndefined();
  });
});
