import { SlidingWindowQuota } from '../../../../src/devstack/strict-aws/read-quota';

describe('SlidingWindowQuota', () => {
  test('admits `limit` calls in any one second; refused calls do not count', () => {
    const quota = new SlidingWindowQuota();
    const admitted = Array.from({ length: 40 }, (_, i) => quota.admit('GetLogEvents', 25, 1000 + i));
    expect(admitted.filter(Boolean)).toHaveLength(25);
    expect(admitted.slice(25).some(Boolean)).toBe(false);
    // The window slides: a second after each admitted call, one more fits.
    expect(quota.admit('GetLogEvents', 25, 1999)).toBe(false);
    expect(quota.admit('GetLogEvents', 25, 2000)).toBe(true);
    expect(quota.admit('GetLogEvents', 25, 2000)).toBe(false);
    expect(quota.admit('GetLogEvents', 25, 2001)).toBe(true);
  });

  test('operations have separate windows; 0 = unlimited; reset forgets', () => {
    const quota = new SlidingWindowQuota();
    expect(quota.admit('FilterLogEvents', 1, 0)).toBe(true);
    expect(quota.admit('FilterLogEvents', 1, 1)).toBe(false);
    expect(quota.admit('GetLogEvents', 1, 1)).toBe(true);
    expect(Array.from({ length: 100 }, () => quota.admit('DescribeLogStreams', 0, 5)).every(Boolean)).toBe(true);
    quota.reset();
    expect(quota.admit('FilterLogEvents', 1, 2)).toBe(true);
  });
});
