import { InvalidInputError, isExitCode, isTerminalStatus, parseIndexParam, type TerminalStatus } from '../domain';

/** Most arguments of a command. */
export const MAX_COMMAND_ARGS = 256;
/** Most UTF-16 units of all arguments together. */
export const MAX_COMMAND_CHARS = 128 * 1024;
/** Default and largest page of `/logs`. */
export const MAX_LOGS_LIMIT = 10_000;

/** Parses `limit` (1..10000). */
export function parseLimit(raw: string | undefined, max = MAX_LOGS_LIMIT): number {
  const limit = parseIndexParam(raw, 'limit', max, max);
  if (limit < 1) throw new InvalidInputError('limit', 'limit must be at least 1');
  return limit;
}

/** Longest `page_token` taken (Temporal's visibility tokens are far shorter). */
const MAX_PAGE_TOKEN_CHARS = 4096;

/** Parses `page_token`: the opaque, base64url `next_page_token` of a listing; absent or empty = the first page. */
export function parsePageToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > MAX_PAGE_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(raw)) {
    throw new InvalidInputError('page_token', 'page_token must be the next_page_token of an earlier page, unchanged');
  }
  return raw;
}

/** Parses an optional `0`/`1` flag of a query (absent = false). */
export function parseFlag(raw: string | undefined, field: string): boolean {
  if (raw === undefined || raw === '0') return false;
  if (raw === '1') return true;
  throw new InvalidInputError(field, `${field} must be 0 or 1`);
}

/** Validates a command argv. */
export function parseCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidInputError('command', 'command must be a non-empty array of strings');
  }
  if (value.length > MAX_COMMAND_ARGS) {
    throw new InvalidInputError('command', `command may have at most ${MAX_COMMAND_ARGS} arguments`);
  }
  let chars = 0;
  for (const arg of value) {
    if (typeof arg !== 'string') throw new InvalidInputError('command', 'every command argument must be a string');
    if (arg.includes('\0')) throw new InvalidInputError('command', 'command arguments may not contain NUL');
    chars += arg.length;
  }
  if (chars > MAX_COMMAND_CHARS) throw new InvalidInputError('command', 'command is too long');
  if ((value[0] as string).length === 0) throw new InvalidInputError('command', 'command[0] must not be empty');
  return value as string[];
}

/** Validates a CloudWatch log group name. */
export function parseLogGroup(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_./#-]{1,512}$/.test(value)) {
    throw new InvalidInputError('log_group', 'log_group must be 1-512 of letters, digits and _ - / . #');
  }
  return value;
}

/**
 * Most log streams one external execution may name: what one FilterLogEvents call of the seal's proof takes, so an
 * execution's streams are verified together.
 */
export const MAX_LOG_STREAMS = 100;

/** Validates `log_streams`: 1 to `MAX_LOG_STREAMS` distinct CloudWatch log stream names. */
export function parseLogStreams(value: unknown): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_LOG_STREAMS) {
    throw new InvalidInputError('log_streams', `log_streams must be an array of 1-${MAX_LOG_STREAMS} log stream names`);
  }
  const streams = value.map((stream, i) => parseLogStream(stream, `log_streams[${i}]`));
  const repeated = streams.find((stream, i) => streams.indexOf(stream) !== i);
  if (repeated !== undefined) {
    throw new InvalidInputError('log_streams', `log_streams names ${JSON.stringify(repeated)} more than once`);
  }
  return streams;
}

/** Validates a CloudWatch log stream name (`field` names it in the error). */
export function parseLogStream(value: unknown, field = 'log_stream'): string {
  // CloudWatch forbids ':' and '*'; control characters are refused too.
  if (
    typeof value !== 'string' ||
    value.length < 1 ||
    value.length > 512 ||
    /[:*]/.test(value) ||
    hasControlCharacter(value)
  ) {
    throw new InvalidInputError(field, `${field} must be 1-512 characters without ":", "*" or control characters`);
  }
  return value;
}

/** Validates a terminal status. */
export function parseTerminalStatus(value: unknown): TerminalStatus {
  if (!isTerminalStatus(value)) throw new InvalidInputError('status', 'status must be SUCCEEDED, FAILED or STOPPED');
  return value;
}

/** Validates an exit code (0..255). */
export function parseExitCode(value: unknown): number {
  if (!isExitCode(value)) throw new InvalidInputError('exit_code', 'exit_code must be an integer from 0 to 255');
  return value;
}

/** Validates `event_count`: how many events the producer put into CloudWatch, a non-negative integer. */
export function parseEventCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError('event_count', 'event_count must be a non-negative integer');
  }
  return value;
}

/** Parses `completed_at`: an ISO-8601 string or epoch milliseconds; defaults to now. */
export function parseCompletedAt(value: unknown, now: number): number {
  if (value === undefined || value === null) return now;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0 || (typeof value === 'number' && !Number.isInteger(value))) {
    throw new InvalidInputError('completed_at', 'completed_at must be an ISO-8601 time or epoch milliseconds');
  }
  if (ms > now + 5 * 60_000) throw new InvalidInputError('completed_at', 'completed_at is in the future');
  return ms;
}

/** Refuses fields a body must not have, so a typo is an error rather than silently ignored. */
export function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new InvalidInputError(key, `unknown field ${JSON.stringify(key)}`);
  }
}

/** True when `text` holds a C0 control character or DEL. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
