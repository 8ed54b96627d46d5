/** One log event as a CloudWatch subscription delivers it. */
export interface SubscriptionEvent {
  /** CloudWatch's event id (a string on AWS; the emulator sends integers, normalised to strings). */
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
  /** Set by the reader that decodes the message: a managed job's stderr line (see `decodeLine`). */
  readonly stderr?: boolean;
}

/**
 * The decoded payload of one Kinesis record written by a CloudWatch Logs subscription filter: a
 * `DATA_MESSAGE` carries events of one log stream in that stream's order; a `CONTROL_MESSAGE` is
 * CloudWatch checking that it can write to the destination, and carries nothing to store.
 */
export type SubscriptionMessage =
  | {
      readonly messageType: 'DATA_MESSAGE';
      readonly logGroup: string;
      readonly logStream: string;
      readonly logEvents: readonly SubscriptionEvent[];
    }
  | { readonly messageType: 'CONTROL_MESSAGE' };

/**
 * Reads a subscription payload (already gunzipped and JSON-parsed), strictly: anything that is not a
 * well-formed `DATA_MESSAGE` or `CONTROL_MESSAGE` throws a TypeError saying what is wrong. Integer ids
 * (the emulator's) become decimal strings; messages are returned as CloudWatch stored them.
 */
export function parseSubscriptionMessage(json: unknown): SubscriptionMessage {
  if (!isObject(json)) throw new TypeError(`subscription message: expected an object, got ${kindOf(json)}`);
  const type = json.messageType;
  if (type === 'CONTROL_MESSAGE') return { messageType: 'CONTROL_MESSAGE' };
  if (type !== 'DATA_MESSAGE') {
    throw new TypeError(`subscription message: messageType must be DATA_MESSAGE or CONTROL_MESSAGE, got ${show(type)}`);
  }
  const logGroup = nonEmptyString(json.logGroup, 'logGroup');
  const logStream = nonEmptyString(json.logStream, 'logStream');
  if (!Array.isArray(json.logEvents)) {
    throw new TypeError(`subscription message: logEvents must be an array, got ${kindOf(json.logEvents)}`);
  }
  const logEvents = json.logEvents.map((event: unknown, i) => parseEvent(event, i));
  return { messageType: 'DATA_MESSAGE', logGroup, logStream, logEvents };
}

function parseEvent(event: unknown, i: number): SubscriptionEvent {
  const at = `logEvents[${i}]`;
  if (!isObject(event)) throw new TypeError(`subscription message: ${at} must be an object, got ${kindOf(event)}`);
  const { id, timestamp, message } = event;
  let eventId: string;
  // AWS's ids are digit strings of about 56 characters; only their identity matters here.
  if (typeof id === 'string' && id.length > 0 && id.length <= 256) eventId = id;
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) eventId = String(id);
  else throw new TypeError(`subscription message: ${at}.id must be a non-empty string, got ${show(id)}`);
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError(`subscription message: ${at}.timestamp must be epoch milliseconds, got ${show(timestamp)}`);
  }
  if (typeof message !== 'string') {
    throw new TypeError(`subscription message: ${at}.message must be a string, got ${kindOf(message)}`);
  }
  return { id: eventId, timestamp, message };
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`subscription message: ${field} must be a non-empty string, got ${show(value)}`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

// Short: a malformed record can be large, and its values end up in logs.
function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
