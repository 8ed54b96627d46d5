import { Backoff, backoffDelay } from '../../../src/domain';

describe('Backoff', () => {
  it('doubles from the base up to the cap, without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000, jitter: 'none' }));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('waits nothing before any failure', () => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 1000 })).toBe(0);
  });

  it('keeps half the step fixed and half random with equal jitter', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0 })).toBe(200);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0.999999 })).toBe(400);
  });

  it('stays finite at the cap after a very long run of failures', () => {
    expect(backoffDelay(10_000, { baseMs: 250, maxMs: 30_000, jitter: 'none' })).toBe(30_000);
  });

  it('counts consecutive failures and starts again after a success', () => {
    const backoff = new Backoff({ baseMs: 10, maxMs: 1000, factor: 3, jitter: 'none' });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 30, 90]);
    expect(backoff.failures).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });
});
