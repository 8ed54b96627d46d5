import { gunzipSync, gzipSync } from 'node:zlib';
import type { LogEvent } from '../../domain';

// Timestamps are stored as deltas from the previous event: they are nearly always small and
// repeat, which is what makes a chunk of short lines compress well.
interface EncodedChunk {
  readonly t: number[];
  readonly m: string[];
}

/** Compresses a chunk's events into one binary attribute. */
export function encodeEvents(events: readonly LogEvent[]): Uint8Array {
  const t: number[] = [];
  const m: string[] = [];
  let previous = 0;
  for (const event of events) {
    t.push(event.timestamp - previous);
    m.push(event.message);
    previous = event.timestamp;
  }
  return gzipSync(JSON.stringify({ t, m } satisfies EncodedChunk), { level: 6 });
}

/** Inverse of `encodeEvents`. */
export function decodeEvents(data: Uint8Array): LogEvent[] {
  const decoded = JSON.parse(gunzipSync(data).toString('utf8')) as EncodedChunk;
  if (!Array.isArray(decoded.t) || !Array.isArray(decoded.m) || decoded.t.length !== decoded.m.length) {
    throw new TypeError('chunk data is malformed');
  }
  const events: LogEvent[] = [];
  let timestamp = 0;
  for (let i = 0; i < decoded.t.length; i++) {
    timestamp += decoded.t[i] ?? 0;
    events.push({ timestamp, message: decoded.m[i] ?? '' });
  }
  return events;
}
