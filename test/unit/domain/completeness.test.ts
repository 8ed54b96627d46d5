import { judgeCompleteness, LogNeverSealedError, type CompletenessFacts } from '../../../src/domain';

const facts = (overrides: Partial<CompletenessFacts>): CompletenessFacts => ({
  sealed: false,
  running: false,
  open: false,
  ...overrides,
});

describe('judgeCompleteness: a log is complete only when sealed', () => {
  test('a sealed log is complete, whether or not its workflow is still there', () => {
    const verdict = { complete: true, reason: 'sealed', sealPending: false };
    expect(judgeCompleteness(facts({ sealed: true }))).toEqual(verdict);
    expect(judgeCompleteness(facts({ sealed: true, open: true }))).toEqual(verdict);
  });

  test('a running execution is not complete; its seal is still to come', () => {
    expect(judgeCompleteness(facts({ running: true, open: true }))).toEqual({
      complete: false,
      reason: 'running',
      sealPending: true,
    });
  });

  test('a completed execution whose workflow still runs its drain is not complete yet', () => {
    expect(judgeCompleteness(facts({ open: true }))).toEqual({
      complete: false,
      reason: 'draining',
      sealPending: true,
    });
  });

  test('an unsealed log whose workflow is gone is never complete and never will be', () => {
    // Terminated, timed out, or past retention: nothing will drain and seal it, however long ago it completed.
    expect(judgeCompleteness(facts({}))).toEqual({ complete: false, reason: 'never-sealed', sealPending: false });
  });
});

describe('LogNeverSealedError', () => {
  test('has a stable code and tells where the log can be read', () => {
    const error = new LogNeverSealedError('exec-1');
    expect(error.code).toBe('LOG_NOT_SEALED');
    expect(error.name).toBe('LogNeverSealedError');
    expect(error.message).toMatch(/exec-1.*\/logs.*"sealed": false/);
  });
});
