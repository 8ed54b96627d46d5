import { clientFault, type AwsFault } from './aws-fault';
import type { PutLogEventsRules } from './rules';

/** AWS's per-event overhead in PutLogEvents batch and event sizes. */
export const EVENT_OVERHEAD_BYTES = 26;

/** One input event of PutLogEvents, as the request body carries it (already checked against the model's shape). */
export interface InputLogEvent {
  timestamp: number;
  message: string;
}

/**
 * The `rejectedLogEventsInfo` of a PutLogEvents answer. As AWS documents it, `tooOldLogEventEndIndex` is exclusive
 * (the number of too-old events at the head of the batch) and `tooNewLogEventStartIndex` inclusive.
 */
export interface RejectedLogEventsInfo {
  tooOldLogEventEndIndex?: number;
  tooNewLogEventStartIndex?: number;
}

/** What to do with a PutLogEvents call: refuse it, or forward the events in `[first, end)` and report the rest. */
export type PutLogEventsVerdict =
  | { kind: 'refuse'; fault: AwsFault }
  | { kind: 'forward'; first: number; end: number; rejected: RejectedLogEventsInfo | undefined };

/** Size of an event as AWS counts it: message in UTF-8 plus 26 bytes. */
export function eventBytes(message: string): number {
  return Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

function invalid(message: string): PutLogEventsVerdict {
  return { kind: 'refuse', fault: clientFault('InvalidParameterException', message) };
}

/**
 * Applies CloudWatch Logs' batch rules: any empty message, oversized event or batch, disorder, or valid events
 * spanning more than 24 h refuse the whole batch; events too old or too far ahead are dropped and reported.
 */
export function judgePutLogEvents(
  events: readonly InputLogEvent[],
  rules: PutLogEventsRules,
  now: number,
): PutLogEventsVerdict {
  if (events.length === 0) return invalid('A batch of log events must hold at least one event.');
  if (events.length > rules.maxBatchEvents) {
    return invalid(`A batch of log events may hold at most ${rules.maxBatchEvents} events, got ${events.length}.`);
  }
  let batchBytes = 0;
  for (const [index, event] of events.entries()) {
    if (typeof event.message !== 'string' || event.message.length === 0) {
      return invalid(`Log event message at index ${index} is empty: a log event message needs at least 1 character.`);
    }
    const size = eventBytes(event.message);
    if (size > rules.maxEventBytes) {
      return invalid(`Log event at index ${index} is too large: ${size} bytes > ${rules.maxEventBytes}.`);
    }
    batchBytes += size;
    const previous = events[index - 1];
    if (previous !== undefined && event.timestamp < previous.timestamp) {
      return invalid('Log events in a single PutLogEvents request must be in chronological order.');
    }
  }
  if (batchBytes > rules.maxBatchBytes) {
    return invalid(`Upload too large: ${batchBytes} bytes exceeds limit of ${rules.maxBatchBytes}`);
  }
  // Chronological order makes the too-old events a prefix and the too-new ones a suffix.
  const oldest = now - rules.maxPastMs;
  const newest = now + rules.maxFutureMs;
  let first = 0;
  while (first < events.length && (events[first]?.timestamp ?? 0) < oldest) first++;
  let end = events.length;
  while (end > first && (events[end - 1]?.timestamp ?? 0) > newest) end--;
  // As AWS documents it, the 24 h span applies to the valid events only.
  if (end > first && (events[end - 1]?.timestamp ?? 0) - (events[first]?.timestamp ?? 0) > rules.maxSpanMs) {
    return invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
  const rejected: RejectedLogEventsInfo = {};
  if (first > 0) rejected.tooOldLogEventEndIndex = first;
  if (end < events.length) rejected.tooNewLogEventStartIndex = end;
  return { kind: 'forward', first, end, rejected: first > 0 || end < events.length ? rejected : undefined };
}

/**
 * Merges what the emulator reported for the forwarded slice `[first, ...)` (its indexes are inclusive and relative
 * to the slice) into the strict layer's own report.
 */
export function mergeRejected(
  own: RejectedLogEventsInfo | undefined,
  first: number,
  upstream: RejectedLogEventsInfo | undefined,
): RejectedLogEventsInfo | undefined {
  if (upstream === undefined || Object.keys(upstream).length === 0) return own;
  const merged: RejectedLogEventsInfo = { ...own };
  if (upstream.tooOldLogEventEndIndex !== undefined) {
    merged.tooOldLogEventEndIndex = Math.max(
      own?.tooOldLogEventEndIndex ?? 0,
      first + upstream.tooOldLogEventEndIndex + 1,
    );
  }
  if (upstream.tooNewLogEventStartIndex !== undefined) {
    const start = first + upstream.tooNewLogEventStartIndex;
    merged.tooNewLogEventStartIndex = Math.min(own?.tooNewLogEventStartIndex ?? start, start);
  }
  return merged;
}
