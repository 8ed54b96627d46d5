import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseCursor, type SourceCursor } from '../../domain';
import { packIds, unpackIds } from './id-packing';

// Every chunk carries the cursor after its last event. A pushed log's cursor holds, per stream, a window
// of up to 256 CloudWatch ids of 56 digits (15 KB as JSON): the window is packed under `ri` (see
// id-packing.ts), and a cursor still over `GZIP_OVER` characters is stored gzipped in `cursor_z`.
// Cursors of polled logs stay the readable JSON they always were, in `cursor`.
const PACKED_RECENT_IDS = 'ri';
const GZIP_OVER = 512;

/** The attribute holding a chunk's cursor: `cursor` (JSON), or `cursor_z` (gzipped JSON) when large. */
export function cursorAttribute(cursor: SourceCursor): Record<string, AttributeValue> {
  const json = JSON.stringify(packCursor(cursor));
  return json.length > GZIP_OVER ? { cursor_z: { B: gzipSync(json) } } : { cursor: { S: json } };
}

/** The cursor a chunk item holds; throws on a malformed one. */
export function cursorOf(item: Record<string, AttributeValue>): SourceCursor {
  const zipped = item.cursor_z?.B;
  const json = zipped === undefined ? (item.cursor?.S ?? '{}') : gunzipSync(zipped).toString('utf8');
  return parseCursor(unpackCursor(JSON.parse(json)));
}

function packCursor(cursor: SourceCursor): unknown {
  const streams = Object.entries(cursor.streams).map(([stream, position]) => {
    if (position.recentIds === undefined) return [stream, position];
    const { recentIds, ...rest } = position;
    return [stream, { ...rest, [PACKED_RECENT_IDS]: packIds(recentIds) }];
  });
  return { streams: Object.fromEntries(streams) };
}

// Leaves the checking to `parseCursor`: cursors stored before push ingest pass through unchanged.
function unpackCursor(stored: unknown): unknown {
  const streams = (stored as { streams?: unknown } | null)?.streams;
  if (typeof streams !== 'object' || streams === null) return stored;
  const unpacked = Object.entries(streams).map(([stream, position]) => {
    if (typeof position !== 'object' || position === null || !Object.hasOwn(position, PACKED_RECENT_IDS)) {
      return [stream, position];
    }
    const { [PACKED_RECENT_IDS]: packed, ...rest } = position as Record<string, unknown>;
    return [stream, { ...rest, recentIds: unpackIds(packed) }];
  });
  return { streams: Object.fromEntries(unpacked) };
}
