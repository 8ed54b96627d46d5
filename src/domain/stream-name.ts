import type { SourceCursor } from './cursor';
import { managedLogStream } from './execution';
import type { LogEvent } from './log-event';

/**
 * The name readers see for the stream of an event of `executionId` read from CloudWatch log stream `logStream`: a
 * managed job's one log stream holds both its pipes (`stdout`, or `stderr` for a line stored behind the marker); an
 * external execution's streams keep their CloudWatch names.
 */
export function streamName(executionId: string, logStream: string, stderr: boolean): string {
  if (logStream !== managedLogStream(executionId)) return logStream;
  return stderr ? 'stderr' : 'stdout';
}

/**
 * The events of a stored chunk as readers see them, each named by `streamName`. A chunk written before events kept
 * their stream belongs to a log of one stream: its cursor's only one.
 */
export function namedEvents(executionId: string, events: readonly LogEvent[], cursor: SourceCursor): LogEvent[] {
  const streams = Object.keys(cursor.streams);
  const only = streams.length === 1 ? streams[0] : undefined;
  return events.map((event) => {
    const logStream = event.stream ?? only;
    if (logStream === undefined) return event;
    return { ...event, stream: streamName(executionId, logStream, event.stderr === true) };
  });
}
