/** What is known about a completed execution's stored log. */
export interface CompletenessFacts {
  readonly sealed: boolean;
  /** Completion time reported by the `complete` signal (epoch ms). */
  readonly completedAt: number;
  /** Timestamp of the last stored event (epoch ms), undefined when nothing is stored. */
  readonly lastStoredTimestamp: number | undefined;
  readonly now: number;
  /** How long CloudWatch may still be taking in events after completion (ms). */
  readonly bufferMs: number;
  /** True while the execution's workflow is still running its final drain. */
  readonly draining?: boolean;
}

/** Whether `/logs` may serve a completed execution from DynamoDB, and why. */
export type CompletenessVerdict =
  | { readonly complete: true; readonly reason: 'sealed' | 'settled' }
  | { readonly complete: false; readonly reason: 'empty' | 'draining' | 'recently-completed' | 'tail-missing' };

/**
 * Decides whether a completed execution's stored log is complete. A seal proves it. Without a seal
 * the `CompletedAt` heuristic of the original strategy is only a fallback, made stricter: a log
 * completed within the buffer is never trusted (its drain may still be running), nor one whose last
 * stored event is more than the buffer older than the completion.
 */
export function judgeCompleteness(facts: CompletenessFacts): CompletenessVerdict {
  if (facts.sealed) return { complete: true, reason: 'sealed' };
  // The drain will seal it: until then only CloudWatch has the whole log, whatever the clock says.
  if (facts.draining) return { complete: false, reason: 'draining' };
  if (facts.lastStoredTimestamp === undefined) return { complete: false, reason: 'empty' };
  if (facts.now - facts.completedAt < facts.bufferMs) return { complete: false, reason: 'recently-completed' };
  if (facts.lastStoredTimestamp < facts.completedAt - facts.bufferMs)
    return { complete: false, reason: 'tail-missing' };
  return { complete: true, reason: 'settled' };
}
