import { gunzipSync } from 'node:zlib';
import { parseSubscriptionMessage, storedLine, type SubscriptionMessage } from '../../domain';

/** What one Kinesis record's Data holds: the subscription payload, or why it is not one. */
export type DecodedRecord =
  | { readonly message: SubscriptionMessage; readonly malformed?: undefined }
  | { readonly message: undefined; readonly malformed: string };

// CloudWatch writes records of at most 1 MB; a gzip bomb must not take the consumer's memory.
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/**
 * Decodes the Data of a record a CloudWatch Logs subscription filter wrote: gzip, then JSON, then the
 * strict subscription message. Each event's message is the job's line (the stored escape removed, see
 * `decodeMessage`). Never throws: a record that is not a subscription payload comes back `malformed`.
 */
export function decodeSubscriptionRecord(data: Uint8Array): DecodedRecord {
  let text: string;
  try {
    text = gunzipSync(data, { maxOutputLength: MAX_PAYLOAD_BYTES }).toString('utf8');
  } catch (error) {
    return { message: undefined, malformed: `not gzip data: ${reason(error)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { message: undefined, malformed: `not JSON: ${reason(error)}` };
  }
  let message: SubscriptionMessage;
  try {
    message = parseSubscriptionMessage(json);
  } catch (error) {
    return { message: undefined, malformed: reason(error) };
  }
  if (message.messageType !== 'DATA_MESSAGE') return { message };
  const logEvents = message.logEvents.map((event) => ({ ...event, ...storedLine(event.message) }));
  return { message: { ...message, logEvents } };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
