// CloudWatch's errors and PutLogEvents rules as the in-memory CloudWatch enforces them, restated from
// the AWS documentation (not taken from production code).
import type { RejectedLogEventsInfo } from '@aws-sdk/client-cloudwatch-logs';
import type { LogEvent } from '../../src/domain';

/** An error shaped like the AWS SDK's service exceptions (`name` is the AWS error code), for injection. */
export function awsError(code: string, httpStatusCode = 400, message = code): Error {
  return Object.assign(new Error(message), {
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** The error of a GetLogEvents or PutLogEvents call on a stream that does not exist. */
export class StreamNotFoundError extends Error {
  readonly code = 'RESOURCE_NOT_FOUND';
  constructor(logGroup: string, logStream: string) {
    super(`The specified log stream does not exist: ${logGroup}/${logStream}`);
    this.name = 'StreamNotFoundError';
  }
}

// PutLogEvents limits, restated from the AWS documentation (not imported from production code).
export const PUT_EVENT_OVERHEAD = 26;
const PUT_MAX_EVENTS = 10_000;
const PUT_MAX_BATCH_BYTES = 1_048_576;
const PUT_MAX_SPAN_MS = 24 * 3600_000;
const PUT_MAX_PAST_MS = 14 * 24 * 3600_000;
const PUT_MAX_FUTURE_MS = 2 * 3600_000;

/** Largest message PutLogEvents takes (256 KiB less the 26 bytes counted per event). */
export const MAX_PUT_MESSAGE_BYTES = 262_144 - PUT_EVENT_OVERHEAD;

/** Throws CloudWatch's InvalidParameterException when a call breaks the API's rules: all or nothing. */
export function checkPutBatch(batch: readonly LogEvent[]): void {
  const invalid = (reason: string): never => {
    throw awsError('InvalidParameterException', 400, reason);
  };
  if (batch.length === 0) invalid('1 validation error detected: logEvents must have length greater than or equal to 1');
  if (batch.length > PUT_MAX_EVENTS) {
    invalid(`1 validation error detected: logEvents must have length less than or equal to ${PUT_MAX_EVENTS}`);
  }
  let bytes = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const [i, event] of batch.entries()) {
    if (typeof event.message !== 'string' || event.message.length === 0) {
      invalid(
        `1 validation error detected: Value '' at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: ` +
          'Member must have length greater than or equal to 1',
      );
    }
    const size = Buffer.byteLength(event.message, 'utf8');
    if (size > MAX_PUT_MESSAGE_BYTES)
      invalid(`Log event too large: ${size + PUT_EVENT_OVERHEAD} bytes exceeds limit of 262144`);
    if (event.timestamp < previous)
      invalid('Log events in a single PutLogEvents request must be in chronological order.');
    previous = event.timestamp;
    bytes += size + PUT_EVENT_OVERHEAD;
  }
  if (bytes > PUT_MAX_BATCH_BYTES) invalid(`Upload too large: ${bytes} bytes exceeds limit of ${PUT_MAX_BATCH_BYTES}`);
  const first = batch[0]?.timestamp ?? 0;
  const last = batch[batch.length - 1]?.timestamp ?? 0;
  if (last - first > PUT_MAX_SPAN_MS)
    invalid('A batch of log events in a single request cannot span more than 24 hours.');
}

/** `rejectedLogEventsInfo` of a chronological call at `now`: a too-old prefix, a too-new suffix. */
export function outOfRange(batch: readonly LogEvent[], now: number): RejectedLogEventsInfo {
  const tooOld = batch.filter((e) => e.timestamp < now - PUT_MAX_PAST_MS).length;
  const tooNew = batch.findIndex((e) => e.timestamp > now + PUT_MAX_FUTURE_MS);
  return {
    ...(tooOld > 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(tooNew >= 0 ? { tooNewLogEventStartIndex: tooNew } : {}),
  };
}
