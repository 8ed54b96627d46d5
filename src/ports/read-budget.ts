/**
 * An account-wide budget of CloudWatch read calls, shared by every logstream process (worker and API alike): the
 * account's quota (FilterLogEvents: 5 calls/s, not raisable) is also people's, so logstream keeps to a share of it.
 */
export interface ReadBudget {
  /** Resolves once one call of `operation` may be made; waits while the budget of the current second is spent. */
  take(operation: string): Promise<void>;
}

/** A budget without limit (a test, or a deployment that opts out). */
export const UNLIMITED_READ_BUDGET: ReadBudget = { take: () => Promise.resolve() };
