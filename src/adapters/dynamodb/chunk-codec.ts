import { gunzipSync, gzipSync } from 'node:zlib';
import type { LogEvent } from '../../domain';
import { packIds, unpackIds, type PackedId } from './id-packing';

// Timestamps are stored as deltas from the previous event: they are nearly always small and
// repeat, which is what makes a chunk of short lines compress well. CloudWatch event ids (push
// ingest) are stored packed in `i` only when some event has one, so a polled chunk is as before.
interface EncodedChunk {
  readonly t: number[];
  readonly m: string[];
  readonly i?: PackedId[];
  /** Offsets of the recovered events (the seal's proof stored them), only when there are some. */
  readonly r?: number[];
  /** The CloudWatch log streams of the chunk's events (absent in chunks written before streams were kept). */
  readonly n?: string[];
  /** Per event, its stream's place in `n`; absent when `n` holds one stream (every event's). */
  readonly s?: number[];
  /** Offsets of a managed job's stderr lines, only when there are some. */
  readonly e?: number[];
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
  const withIds = events.some((event) => event.eventId !== undefined);
  const recovered = events.flatMap((event, offset) => (event.recovered === true ? [offset] : []));
  const stderr = events.flatMap((event, offset) => (event.stderr === true ? [offset] : []));
  // Streams are kept when every event names one (what the writers give); a chunk without reads as its cursor's stream.
  const named = events.every((event) => event.stream !== undefined);
  const names: string[] = [];
  const places = named
    ? events.map((event) => {
        const stream = event.stream ?? '';
        const place = names.indexOf(stream);
        return place >= 0 ? place : names.push(stream) - 1;
      })
    : [];
  const encoded: EncodedChunk = {
    t,
    m,
    ...(withIds ? { i: packIds(events.map((event) => event.eventId)) } : {}),
    ...(recovered.length > 0 ? { r: recovered } : {}),
    ...(names.length > 0 ? { n: names } : {}),
    ...(names.length > 1 ? { s: places } : {}),
    ...(stderr.length > 0 ? { e: stderr } : {}),
  };
  return gzipSync(JSON.stringify(encoded), { level: 6 });
}

/** Inverse of `encodeEvents`: each event's `stream` is its CloudWatch log stream's name (none in older chunks). */
export function decodeEvents(data: Uint8Array): LogEvent[] {
  const decoded = JSON.parse(gunzipSync(data).toString('utf8')) as EncodedChunk;
  if (!Array.isArray(decoded.t) || !Array.isArray(decoded.m) || decoded.t.length !== decoded.m.length) {
    throw new TypeError('chunk data is malformed');
  }
  const ids = decoded.i === undefined ? undefined : unpackIds(decoded.i);
  if (ids !== undefined && ids.length !== decoded.t.length) throw new TypeError('chunk data is malformed');
  const recovered = new Set(Array.isArray(decoded.r) ? decoded.r : []);
  const stderr = new Set(Array.isArray(decoded.e) ? decoded.e : []);
  const names = Array.isArray(decoded.n) ? decoded.n : [];
  const places = Array.isArray(decoded.s) ? decoded.s : undefined;
  if (places !== undefined && places.length !== decoded.t.length) throw new TypeError('chunk data is malformed');
  const events: LogEvent[] = [];
  let timestamp = 0;
  for (let i = 0; i < decoded.t.length; i++) {
    timestamp += decoded.t[i] ?? 0;
    const eventId = ids?.[i];
    const message = decoded.m[i] ?? '';
    const stream = names[places?.[i] ?? 0];
    events.push({
      timestamp,
      message,
      ...(stream === undefined ? {} : { stream }),
      ...(stderr.has(i) ? { stderr: true } : {}),
      ...(eventId === undefined ? {} : { eventId }),
      ...(recovered.has(i) ? { recovered: true } : {}),
    });
  }
  return events;
}
