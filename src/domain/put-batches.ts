import { utf8Length } from './chunk';
import type { LogEvent } from './log-event';
import { encodeMessage, MESSAGE_ESCAPE_BYTES } from './message-codec';

/**
 * PutLogEvents limits (AWS documentation): an event is at most 256 KiB counting its message's UTF-8
 * bytes plus 26; a batch at most 1,048,576 such bytes and 10,000 events, spanning at most 24 hours.
 */
export const PUT_LIMITS = {
  maxEvents: 10_000,
  maxBytes: 1_048_576,
  maxEventBytes: 256 * 1024,
  eventOverhead: 26,
  maxSpanMs: 24 * 3600_000,
};

/** Most UTF-8 bytes of one line, so that its stored message (escape included) fits in one event. */
export const MAX_LINE_BYTES = PUT_LIMITS.maxEventBytes - PUT_LIMITS.eventOverhead - MESSAGE_ESCAPE_BYTES;

/** Bytes a line counts against a PutLogEvents batch once encoded (see `encodeMessage`). */
export function putEventBytes(message: string, stderr = false): number {
  return utf8Length(encodeMessage(message, stderr)) + PUT_LIMITS.eventOverhead;
}

/** One event of a PutLogEvents call that CloudWatch did not store, by its position in the call. */
export interface RejectedEvent {
  readonly index: number;
  readonly reason: 'tooOld' | 'tooNew' | 'expired';
}

/** What a write stored: every event but the rejected ones (`rejectedLogEventsInfo`). */
export interface PutOutcome {
  readonly rejected: readonly RejectedEvent[];
}

/**
 * Splits lines into PutLogEvents calls within the API's limits once encoded, keeping their order.
 * Callers that retry a batch rely on each batch being exactly one call.
 */
export function splitForPut(events: readonly LogEvent[]): LogEvent[][] {
  const batches: LogEvent[][] = [];
  for (let start = 0; start < events.length;) {
    const end = putBatchEnd(events, start);
    batches.push(events.slice(start, end));
    start = end;
  }
  return batches;
}

/**
 * Where the PutLogEvents call starting at `events[start]` ends (exclusive): as many events as the
 * limits allow, at least one. `bytesOf` gives an event's `putEventBytes` when the caller has it.
 */
export function putBatchEnd<E extends LogEvent>(
  events: readonly E[],
  start: number,
  bytesOf: (event: E) => number = (event) => putEventBytes(event.message, event.stderr === true),
): number {
  const first = events[start];
  if (first === undefined) return start;
  let bytes = bytesOf(first);
  let end = start + 1;
  for (; end < events.length && end - start < PUT_LIMITS.maxEvents; end++) {
    const event = events[end] as E;
    const size = bytesOf(event);
    if (bytes + size > PUT_LIMITS.maxBytes || event.timestamp - first.timestamp >= PUT_LIMITS.maxSpanMs) break;
    bytes += size;
  }
  return end;
}

/** The events `rejectedLogEventsInfo` names, for a call of `count` events (its end indexes are exclusive). */
export function rejectedEvents(
  info: { tooNewLogEventStartIndex?: number; tooOldLogEventEndIndex?: number; expiredLogEventEndIndex?: number },
  count: number,
): RejectedEvent[] {
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < count; index++) {
    if (info.expiredLogEventEndIndex !== undefined && index < info.expiredLogEventEndIndex) {
      rejected.push({ index, reason: 'expired' });
    } else if (info.tooOldLogEventEndIndex !== undefined && index < info.tooOldLogEventEndIndex) {
      rejected.push({ index, reason: 'tooOld' });
    } else if (info.tooNewLogEventStartIndex !== undefined && index >= info.tooNewLogEventStartIndex) {
      rejected.push({ index, reason: 'tooNew' });
    }
  }
  return rejected;
}
