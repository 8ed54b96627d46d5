import type { OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { utf8Length, type StreamPosition } from '../../domain';

/** Events a GetLogEvents page holds at most (the API's limit and default). */
export const PAGE_LIMIT = 10_000;
// A GetLogEvents response holds at most 1 MB of events; one more event of up to 256 KiB may not have fitted.
const FULL_PAGE_BYTES = 1_048_576 - 256 * 1024;

/** The AWS error code behind a failed call (see `classifyAwsError`), read without class identity. */
export function awsCodeOf(error: unknown): string | undefined {
  const code = (error as { awsCode?: unknown } | undefined)?.awsCode;
  return typeof code === 'string' ? code : undefined;
}

/** True when `event` is older than the last event consumed at `position` (so it cannot lie after it). */
export function startsBehind(event: OutputLogEvent | undefined, position: StreamPosition): boolean {
  return (
    event?.timestamp !== undefined && position.lastTimestamp !== undefined && event.timestamp < position.lastTimestamp
  );
}

/** True when a page was cut by the API's event or size limit, so more events may follow at once. */
export function isFullPage(events: readonly OutputLogEvent[]): boolean {
  if (events.length >= PAGE_LIMIT) return true;
  let bytes = 0;
  for (const event of events) bytes += utf8Length(event.message ?? '') + 26;
  return bytes >= FULL_PAGE_BYTES;
}

/** The `token` field of a position, absent when there is none. */
export function tokenOf(token: string | undefined): Pick<StreamPosition, 'token'> {
  return token === undefined ? {} : { token };
}

/** The `startTime` field of a position, absent when there is none. */
export function startTimeOf(startTime: number | undefined): Pick<StreamPosition, 'startTime'> {
  return startTime === undefined ? {} : { startTime };
}
