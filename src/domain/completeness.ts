import { LogstreamError } from './errors';

/** What is known about an execution's stored log when a reader must say whether it is whole. */
export interface CompletenessFacts {
  /** The store holds the seal the final drain writes. */
  readonly sealed: boolean;
  /** The execution's status is RUNNING. */
  readonly running: boolean;
  /**
   * True while the execution's workflow still runs: for a completed status, its final drain has not
   * sealed the log yet. False once the workflow is gone (closed, terminated, timed out, past retention).
   */
  readonly open: boolean;
}

/**
 * Whether a stored log is the whole log. Only a seal says so; without one the reader says why and
 * whether a seal may still come (`sealPending`): while the execution runs or its drain runs.
 */
export type CompletenessVerdict =
  | { readonly complete: true; readonly reason: 'sealed'; readonly sealPending: false }
  | { readonly complete: false; readonly reason: 'running' | 'draining'; readonly sealPending: true }
  | { readonly complete: false; readonly reason: 'never-sealed'; readonly sealPending: false };

/**
 * Completeness is a promise: a log is complete only when sealed. The `CompletedAt` heuristic of the
 * original strategy (trust the stored copy some seconds after completion) is gone: an unsealed log
 * whose workflow is gone (retention, termination, timeout) was never drained, so however long ago it
 * completed it is never judged complete; readers serve it from CloudWatch and mark it unsealed.
 */
export function judgeCompleteness(facts: CompletenessFacts): CompletenessVerdict {
  if (facts.sealed) return { complete: true, reason: 'sealed', sealPending: false };
  if (facts.running) return { complete: false, reason: 'running', sealPending: true };
  // The drain runs inside the workflow: it seals before the workflow closes, or never.
  if (facts.open) return { complete: false, reason: 'draining', sealPending: true };
  return { complete: false, reason: 'never-sealed', sealPending: false };
}

/**
 * The log of an execution whose workflow is gone was never sealed and never will be: no reader may
 * present what is stored as the whole log (read it from CloudWatch, marked unsealed).
 */
export class LogNeverSealedError extends LogstreamError {
  constructor(readonly executionId: string) {
    super(
      'LOG_NOT_SEALED',
      `the log of ${executionId} is not sealed and will not be: its workflow ended before the final drain; ` +
        'read it from /logs (served from CloudWatch, "sealed": false)',
    );
  }
}
