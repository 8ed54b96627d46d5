import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/** A subscription filter's Kinesis record, decoded: a DATA_MESSAGE or a CONTROL_MESSAGE. */
export interface DeliveredMessage {
  messageType: string;
  owner?: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

/** Kinesis' largest record (data plus partition key). */
export const MAX_RECORD_BYTES = 1_048_576;
// Kinesis takes partition keys of at most 256 characters; log stream names may have 512.
const MAX_PARTITION_KEY = 256;

/** The message a record's data (gzip JSON) holds, or undefined when it is not one. */
export function decodeRecord(data: Buffer): DeliveredMessage | undefined {
  try {
    const value = JSON.parse(gunzipSync(data).toString('utf8')) as Partial<DeliveredMessage> | null;
    if (value === null || typeof value !== 'object' || typeof value.messageType !== 'string') return undefined;
    return {
      ...value,
      messageType: value.messageType,
      logGroup: typeof value.logGroup === 'string' ? value.logGroup : '',
      logStream: typeof value.logStream === 'string' ? value.logStream : '',
      subscriptionFilters: Array.isArray(value.subscriptionFilters) ? value.subscriptionFilters : [],
      logEvents: Array.isArray(value.logEvents) ? value.logEvents : [],
    };
  } catch {
    return undefined;
  }
}

/** A record's data for `message`: gzip of its compact JSON, as CloudWatch Logs writes it. */
export function encodeRecord(message: DeliveredMessage): Buffer {
  return gzipSync(JSON.stringify(message));
}

/** The partition key of a log stream under `ByLogStream`: its name, or a digest of a name too long for a key. */
export function logStreamPartitionKey(logStream: string): string {
  if (logStream.length <= MAX_PARTITION_KEY) return logStream;
  return createHash('sha256').update(logStream, 'utf8').digest('hex');
}

/** `message` split into two at event `at` (1 <= at < events), as a re-batching delivery may. */
export function splitMessage(message: DeliveredMessage, at: number): [DeliveredMessage, DeliveredMessage] {
  return [
    { ...message, logEvents: message.logEvents.slice(0, at) },
    { ...message, logEvents: message.logEvents.slice(at) },
  ];
}

/** Uncompressed size of a message's events: a bound on its record that keeps merged records under 1 MB. */
export function messageBytes(message: DeliveredMessage): number {
  let bytes = 200 + Buffer.byteLength(message.logGroup) + Buffer.byteLength(message.logStream);
  for (const event of message.logEvents) bytes += 64 + Buffer.byteLength(JSON.stringify(event.message));
  return bytes;
}
