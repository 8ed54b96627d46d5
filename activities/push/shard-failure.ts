import { ApplicationFailure } from '@temporalio/activity';
import { failureCode } from '../../src/domain';

/** Type of the non-retryable failure that ends a shard consumer's activity: retrying cannot mend its cause. */
export const SHARD_FORWARDING_FAILED = 'SHARD_FORWARDING_FAILED';

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
