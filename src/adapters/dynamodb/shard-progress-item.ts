import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidInputError, type ShardLossWindow, type ShardProgress } from '../../domain';
import type { Item } from './log-items';

// The attributes of a shard's progress item, read and written by the push registry.

/** Refuses progress a forwarder could not have reported (empty names, times that are not epoch ms, bad checkpoints). */
export function checkProgress(progress: ShardProgress): void {
  if (typeof progress.streamName !== 'string' || progress.streamName.length === 0) {
    throw new InvalidInputError('streamName', 'shard progress: streamName must be a non-empty string');
  }
  if (typeof progress.shardId !== 'string' || progress.shardId.length === 0) {
    throw new InvalidInputError('shardId', 'shard progress: shardId must be a non-empty string');
  }
  for (const field of ['caughtUpTo', 'updatedAt'] as const) {
    if (!Number.isSafeInteger(progress[field]) || progress[field] < 0) {
      throw new InvalidInputError(field, `shard progress: ${field} must be epoch milliseconds`);
    }
  }
  if (typeof progress.closed !== 'boolean') {
    throw new InvalidInputError('closed', 'shard progress: closed must be a boolean');
  }
  if (progress.checkpoint !== undefined && !/^\d+$/.test(progress.checkpoint)) {
    throw new InvalidInputError('checkpoint', 'shard progress: checkpoint must be a sequence number');
  }
  for (const field of ['checkpointAt', 'readUpTo', 'watchesAsOf'] as const) {
    const at = progress[field];
    if (at !== undefined && (!Number.isSafeInteger(at) || at < 0)) {
      throw new InvalidInputError(field, `shard progress: ${field} must be epoch milliseconds`);
    }
  }
}

/** Refuses a loss window that is not one. */
export function checkLossWindow(streamName: string, shardId: string, window: ShardLossWindow): void {
  checkProgress({ streamName, shardId, caughtUpTo: 0, closed: false, updatedAt: window.detectedAt });
  for (const field of ['from', 'to'] as const) {
    if (!Number.isSafeInteger(window[field]) || window[field] < 0) {
      throw new InvalidInputError(field, `loss window: ${field} must be epoch milliseconds`);
    }
  }
  if (typeof window.afterSequenceNumber !== 'string' || !/^\d+$/.test(window.afterSequenceNumber)) {
    throw new InvalidInputError('afterSequenceNumber', 'loss window: afterSequenceNumber must be a sequence number');
  }
}

/** A loss window as an element of the item's `loss_windows` list. */
export function lossWindowItem(window: ShardLossWindow): Record<string, AttributeValue> {
  return {
    from: { N: String(window.from) },
    to: { N: String(window.to) },
    after: { S: window.afterSequenceNumber },
    detected_at: { N: String(window.detectedAt) },
  };
}

/** The loss windows of a progress item; a malformed entry is refused (a seal must not overlook a loss). */
function lossWindowsOf(item: Item): ShardLossWindow[] {
  return (item.loss_windows?.L ?? []).map((entry) => {
    const m = entry.M ?? {};
    const window = {
      from: Number(m.from?.N),
      to: Number(m.to?.N),
      afterSequenceNumber: m.after?.S ?? '',
      detectedAt: Number(m.detected_at?.N),
    };
    if (![window.from, window.to, window.detectedAt].every(Number.isFinite) || window.afterSequenceNumber === '') {
      throw new TypeError('malformed loss window in a shard progress item');
    }
    return window;
  });
}

/** The progress a progress item holds, with its checkpoint and loss windows when it has them. */
export function toShardProgress(item: Item): ShardProgress {
  const caughtUpTo = Number(item.caught_up_to?.N);
  const updatedAt = Number(item.updated_at?.N);
  const streamName = item.stream_name?.S;
  const shardId = item.shard_id?.S;
  if (
    streamName === undefined ||
    shardId === undefined ||
    !Number.isFinite(caughtUpTo) ||
    !Number.isFinite(updatedAt)
  ) {
    throw new TypeError('malformed shard progress item');
  }
  const checkpoint = item.checkpoint?.S;
  const checkpointAt = Number(item.checkpoint_at?.N);
  const lossWindows = lossWindowsOf(item);
  const readUpTo = Number(item.read_up_to?.N);
  const watchesAsOf = Number(item.watches_as_of?.N);
  return {
    streamName,
    shardId,
    caughtUpTo,
    closed: item.closed?.BOOL === true,
    updatedAt,
    ...(checkpoint === undefined ? {} : { checkpoint, checkpointAt: Number.isFinite(checkpointAt) ? checkpointAt : 0 }),
    ...(Number.isFinite(readUpTo) && Number.isFinite(watchesAsOf) ? { readUpTo, watchesAsOf } : {}),
    ...(lossWindows.length === 0 ? {} : { lossWindows }),
  };
}
