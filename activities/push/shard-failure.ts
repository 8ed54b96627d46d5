import { ApplicationFailure } from '@temporalio/activity';

/** Type of the non-retryable failure that ends a shard consumer's activity: retrying cannot mend its cause. */
export const SHARD_FORWARDING_FAILED = 'SHARD_FORWARDING_FAILED';

/** The code a failure carries: the AWS code of a dependency's error, else its `code`, else its name. */
export function failureCode(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; awsCode?: unknown; name?: unknown };
  for (const field of [e.awsCode, e.code, e.name]) if (typeof field === 'string' && field !== '') return field;
  return 'Error';
}

/**
 * The non-retryable `ApplicationFailure` a shard consumer ends with on a permanent error (a deleted stream, a denied
 * call, a malformed stored chunk, a bug): type `SHARD_FORWARDING_FAILED`, the cause's code in its details and message.
 */
export function shardForwardingFailure(
  error: unknown,
  shard: { readonly streamName: string; readonly shardId: string; readonly checkpoint?: string },
): ApplicationFailure {
  const code = failureCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    type: SHARD_FORWARDING_FAILED,
    message: `forwarding ${shard.streamName}/${shard.shardId} failed for good (${code}): ${message}`,
    nonRetryable: true,
    details: [{ code, ...shard }],
    cause: error instanceof Error ? error : undefined,
  });
}

/** The cancellation the SDK delivers to running activities when their worker shuts down. */
export function isWorkerShutdown(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown };
  return e?.name === 'CancelledFailure' && e.message === 'WORKER_SHUTDOWN';
}

/** Any cancellation of the activity (never a failure of the forwarder: Temporal asked it to stop). */
export function isCancellation(error: unknown): boolean {
  return (error as { name?: unknown })?.name === 'CancelledFailure';
}
