const WINDOW_MS = 1_000;

/**
 * Account-wide calls-per-second quotas, one sliding one-second window per operation: a call is admitted when fewer
 * than `limit` calls were admitted in the second before it. Refused calls do not count against the quota.
 */
export class SlidingWindowQuota {
  private readonly admitted = new Map<string, number[]>();

  /** True (and counted) when a call of `operation` at `now` fits in `limit` calls per second; limit 0 = unlimited. */
  admit(operation: string, limit: number, now: number): boolean {
    if (limit <= 0) return true;
    let times = this.admitted.get(operation);
    if (times === undefined) {
      times = [];
      this.admitted.set(operation, times);
    }
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) <= now - WINDOW_MS) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) return false;
    times.push(now);
    return true;
  }

  /** Forgets every admitted call (a rules reset starts from a fresh window). */
  reset(): void {
    this.admitted.clear();
  }
}
