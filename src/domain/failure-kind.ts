/**
 * The one failure policy: how a failed call is met, wherever it fails (a CloudWatch read, a DynamoDB append, a
 * Kinesis read, a PutLogEvents batch).
 * - `throttled`: over a quota; waited out, and the caller slows down.
 * - `transient`: may succeed later (5xx, network, a lost append race); waited out.
 * - `permanent`: retrying would only repeat it (a validation error, a denied call, a malformed stored chunk, a bug).
 * - `cancelled`: Temporal asked the activity to stop (a stop, a shutdown); never a failure of the work, passed on.
 */
export type FailureKind = 'throttled' | 'transient' | 'permanent' | 'cancelled';

/**
 * Classifies a failure by the fields errors carry, never by class or message (errors cross Jest realms and the
 * workflow sandbox): the `retryable` and `throttled` of a `DependencyError` (set by `classifyAwsError`), a lost append
 * race (`code` CHUNK_CONFLICT: another writer made progress), and the SDK's `CancelledFailure` by name. Anything that
 * does not say it may pass is permanent.
 */
export function failureKind(error: unknown): FailureKind {
  const e = (error ?? {}) as { throttled?: unknown; retryable?: unknown; code?: unknown; name?: unknown };
  if (e.name === 'CancelledFailure') return 'cancelled';
  if (e.throttled === true) return 'throttled';
  if (e.retryable === true || e.code === 'CHUNK_CONFLICT') return 'transient';
  return 'permanent';
}

/** True for the failures worth another try (`throttled`, `transient`). */
export function isRetryableFailure(kind: FailureKind): kind is 'throttled' | 'transient' {
  return kind === 'throttled' || kind === 'transient';
}

/** The code a failure carries: the AWS code of a dependency's error, else its `code`, else its name. */
export function failureCode(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; awsCode?: unknown; name?: unknown };
  for (const field of [e.awsCode, e.code, e.name]) if (typeof field === 'string' && field !== '') return field;
  return 'Error';
}
