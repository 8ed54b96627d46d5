import { utf8Length } from './chunk';
import type { LogEvent } from './log-event';

/** PutLogEvents limits (AWS documentation): a batch's bytes count each message's UTF-8 size plus 26. */
export const PUT_LIMITS = { maxEvents: 10_000, maxBytes: 1_048_576, eventOverhead: 26, maxSpanMs: 24 * 3600_000 };

/** Splits events into PutLogEvents calls within the API's limits, keeping their order. */
export function splitForPut(events: readonly LogEvent[]): LogEvent[][] {
  const batches: LogEvent[][] = [];
  let current: LogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = utf8Length(event.message) + PUT_LIMITS.eventOverhead;
    const first = current[0];
    if (
      current.length > 0 &&
      (current.length >= PUT_LIMITS.maxEvents ||
        bytes + size > PUT_LIMITS.maxBytes ||
        (first !== undefined && event.timestamp - first.timestamp >= PUT_LIMITS.maxSpanMs))
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
