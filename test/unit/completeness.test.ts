import { judgeCompleteness, type CompletenessFacts } from '../../src/domain';

const completedAt = 1_700_000_000_000;
const bufferMs = 30_000;
const facts = (overrides: Partial<CompletenessFacts>): CompletenessFacts => ({
  sealed: false,
  completedAt,
  lastStoredTimestamp: completedAt - 1000,
  now: completedAt + 60_000,
  bufferMs,
  ...overrides,
});

describe('judgeCompleteness', () => {
  test('a sealed log is complete, even right after completion', () => {
    expect(judgeCompleteness(facts({ sealed: true, now: completedAt }))).toEqual({ complete: true, reason: 'sealed' });
  });

  test('a sealed empty log is complete (a job that printed nothing)', () => {
    expect(judgeCompleteness(facts({ sealed: true, lastStoredTimestamp: undefined }))).toEqual({
      complete: true,
      reason: 'sealed',
    });
  });

  test('an unsealed log with nothing stored is not', () => {
    expect(judgeCompleteness(facts({ lastStoredTimestamp: undefined }))).toEqual({ complete: false, reason: 'empty' });
  });

  test('an unsealed log completed within the buffer is not trusted', () => {
    expect(judgeCompleteness(facts({ now: completedAt + bufferMs - 1 }))).toEqual({
      complete: false,
      reason: 'recently-completed',
    });
    expect(judgeCompleteness(facts({ now: completedAt }))).toEqual({ complete: false, reason: 'recently-completed' });
  });

  test('the buffer ends exactly bufferMs after completion', () => {
    expect(judgeCompleteness(facts({ now: completedAt + bufferMs }))).toEqual({ complete: true, reason: 'settled' });
  });

  test('an unsealed log whose last event is older than completion minus the buffer misses its tail', () => {
    expect(judgeCompleteness(facts({ lastStoredTimestamp: completedAt - bufferMs - 1 }))).toEqual({
      complete: false,
      reason: 'tail-missing',
    });
  });

  test('a last event exactly at completion minus the buffer is recent enough', () => {
    expect(judgeCompleteness(facts({ lastStoredTimestamp: completedAt - bufferMs }))).toEqual({
      complete: true,
      reason: 'settled',
    });
  });

  test('an unsealed log, settled and with a recent last event, is complete', () => {
    expect(judgeCompleteness(facts({}))).toEqual({ complete: true, reason: 'settled' });
    expect(judgeCompleteness(facts({ lastStoredTimestamp: completedAt + 5 }))).toEqual({
      complete: true,
      reason: 'settled',
    });
  });

  test('empty is judged before recently-completed, recently-completed before tail-missing', () => {
    expect(judgeCompleteness(facts({ lastStoredTimestamp: undefined, now: completedAt })).reason).toBe('empty');
    expect(judgeCompleteness(facts({ lastStoredTimestamp: 0, now: completedAt })).reason).toBe('recently-completed');
  });
});

describe('judgeCompleteness while the workflow drains', () => {
  it('never trusts an unsealed log whose workflow still runs its final drain, however old the completion', () => {
    const verdict = judgeCompleteness({
      sealed: false,
      draining: true,
      completedAt: 1_000_000,
      lastStoredTimestamp: 1_000_000,
      now: 1_000_000 + 3_600_000,
      bufferMs: 30_000,
    });
    expect(verdict).toEqual({ complete: false, reason: 'draining' });
  });
});
