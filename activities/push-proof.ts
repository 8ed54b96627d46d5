import type { ShardProgress, StreamPosition } from '../src/domain';
import type { FilteredPage, LogAudit, ShardInfo } from '../src/ports';

/** FilterLogEvents pages one part of a stream's check may read (pages past the end may be empty). */
export const MAX_CHECK_PAGES = 3;

/** Where the forwarders stand against `quietAfter`: done when every shard of the stream is past it. */
export interface ForwarderVerdict {
  readonly done: boolean;
  /** Shards not past it yet (no progress, or caught up to an earlier time). */
  readonly behind: readonly string[];
}

/**
 * True for each shard of the stream when its forwarder has stored every record that arrived before
 * `quietAfter` (caughtUpTo ≥ quietAfter), or the shard is closed and read to its end. A stream with no
 * shard listed proves nothing.
 */
export function forwardersPast(
  shards: readonly ShardInfo[],
  progress: readonly ShardProgress[],
  quietAfter: number,
): ForwarderVerdict {
  const byShard = new Map(progress.map((p) => [p.shardId, p]));
  const behind = shards
    .filter((shard) => {
      const reported = byShard.get(shard.shardId);
      return !reported || !(reported.caughtUpTo >= quietAfter || (shard.closed && reported.closed));
    })
    .map((shard) => shard.shardId);
  return { done: shards.length > 0 && behind.length === 0, behind };
}

/** The check of one stream: nothing missing, or why not and whether waiting may mend it. */
export type StreamVerdict =
  | { readonly ok: true; readonly calls: number }
  | {
      readonly ok: false;
      readonly calls: number;
      readonly reason: string;
      /** True when the events may still be on their way (late delivery): checking again later may pass. */
      readonly mayHeal: boolean;
    };

/** The latest stored events of a log, read back from the store for the check. */
export interface StoredTail {
  /** CloudWatch ids of the stored events of the tail (every stream of the execution). */
  readonly ids: ReadonlySet<string>;
  /** The oldest timestamp in the tail; undefined when the tail is the whole log (it starts at index 1). */
  readonly since: number | undefined;
}

/**
 * The bounded check of one stream against CloudWatch (a few FilterLogEvents calls whatever the log's
 * length). Its first event must be the stored `firstId` (catches lines written before the route existed,
 * which the forwarder skipped), and every event from the stored tail's oldest timestamp on must be one of
 * the tail's stored events, matched by id (never by timestamp: a fast job prints thousands of lines in one
 * millisecond): nothing after the tip, nor between the tail's events, is missing. Events of the tail's
 * first millisecond may be stored ones just older than the tail, and pass. A stream with nothing stored
 * must have nothing in CloudWatch. When the tail is the whole log (up to `CHECK_TAIL_EVENTS` events), one
 * read from the start does both: usually one call.
 */
export async function checkStream(
  audit: LogAudit,
  logGroup: string,
  logStream: string,
  position: StreamPosition,
  tail: StoredTail,
): Promise<StreamVerdict> {
  let calls = 0;
  const read = async (options: { startTime?: number; limit?: number }, each: (page: FilteredPage) => boolean) => {
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_CHECK_PAGES; page++) {
      calls++;
      const answer = await audit.filterStream(logGroup, logStream, { ...options, nextToken });
      if (!each(answer) || answer.nextToken === undefined) return true;
      nextToken = answer.nextToken;
    }
    return false;
  };

  // The stored tail is the whole log: one read from the start sees the head and every event.
  const whole = tail.since === undefined;
  let first: string | undefined;
  let missing: string | undefined;
  // Empty pages may come before the first event (CloudWatch searched part of the range): follow their tokens.
  const headRead = await read(whole ? {} : { limit: 1 }, (page) => {
    for (const event of page.events) {
      first ??= event.eventId;
      if (!whole) return false;
      if (!tail.ids.has(event.eventId)) missing ??= event.eventId;
      if (missing !== undefined) return false;
    }
    return first === undefined || whole;
  });
  const head = headVerdict(logStream, position.firstId, first, calls);
  if (head) return head;
  if (!headRead) {
    return { ok: false, calls, reason: `window-exceeded: more than ${MAX_CHECK_PAGES} pages to check`, mayHeal: false };
  }
  if (whole) return missingVerdict(logStream, missing, calls) ?? { ok: true, calls };

  const tailRead = await read({ startTime: tail.since }, (page) => {
    missing = page.events.find((e) => !tail.ids.has(e.eventId) && e.timestamp !== tail.since)?.eventId;
    return missing === undefined;
  });
  const gap = missingVerdict(logStream, missing, calls);
  if (gap) return gap;
  if (!tailRead) {
    return {
      ok: false,
      calls,
      reason: `window-exceeded: more than ${MAX_CHECK_PAGES} pages after the stored tail`,
      mayHeal: false,
    };
  }
  return { ok: true, calls };
}

/** The head's verdict: the stream's first event must be its first stored one; undefined when it is. */
function headVerdict(
  logStream: string,
  firstId: string | undefined,
  first: string | undefined,
  calls: number,
): StreamVerdict | undefined {
  if (first === firstId) return undefined;
  if (firstId === undefined) {
    // Nothing stored yet: the forwarder may still be on its way to it, or never got a route in time.
    return { ok: false, calls, reason: `head-missing: ${logStream} has events, none stored`, mayHeal: true };
  }
  if (first === undefined) {
    // Stored, yet not visible to FilterLogEvents yet: CloudWatch's search lags behind its ingestion.
    return { ok: false, calls, reason: `cloudwatch-behind: ${logStream} shows no events yet`, mayHeal: true };
  }
  return {
    ok: false,
    calls,
    reason: `head-missing: ${logStream} starts before its first stored event`,
    mayHeal: false,
  };
}

/** The verdict on an event found not stored; undefined when there is none. */
function missingVerdict(logStream: string, missing: string | undefined, calls: number): StreamVerdict | undefined {
  if (missing === undefined) return undefined;
  return { ok: false, calls, reason: `tail-missing: event ${missing} of ${logStream} is not stored`, mayHeal: true };
}
