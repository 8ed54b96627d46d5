import { RE2JS } from 're2js';
import type { IndexedEvent } from '../domain';
import { UsageError } from './errors';

/** Which lines of a log are shown: those matching every given condition. */
export interface LineFilterOptions {
  /** Shown only when the message matches (`--grep`). */
  readonly grep?: RegExp;
  /** Epoch ms: shown only when the event's timestamp is at or after it (`--since`). */
  readonly since?: number;
  /** Epoch ms: shown only when the event's timestamp is at or before it (`--until`). */
  readonly until?: number;
  /** Shown only when the event is of one of these streams (`--stream`, repeatable). */
  readonly streams?: readonly string[];
}

/** Compiles a `--grep` pattern (a JavaScript regular expression); throws `UsageError` when it is not one. */
export function compileGrep(pattern: string, ignoreCase = false): RegExp {
  if (pattern.length === 0) throw new UsageError('--grep needs a non-empty pattern');
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, ignoreCase ? 'i' : '');
  } catch (error) {
    throw new UsageError(`--grep "${pattern}" is not a valid regular expression: ${(error as Error).message}`);
  }
  // The API searches with RE2: a pattern it would refuse is refused here, before anything is read.
  try {
    RE2JS.compile(pattern);
  } catch (error) {
    throw new UsageError(
      `--grep "${pattern}" is not an RE2 regular expression (no lookaround or backreferences): ${(error as Error).message}`,
    );
  }
  return compiled;
}

/** `--stream NAME` given once more: the names so far and it; an empty name or one given twice is a mistake. */
export function addStream(name: string, previous: readonly string[]): string[] {
  if (name.length === 0) throw new UsageError('--stream needs a stream name');
  if (previous.includes(name)) throw new UsageError(`--stream ${name} is given twice`);
  return [...previous, name];
}

/** True when the options filter nothing out. */
export function filtersNothing(options: LineFilterOptions): boolean {
  return (
    options.grep === undefined &&
    options.since === undefined &&
    options.until === undefined &&
    (options.streams === undefined || options.streams.length === 0)
  );
}

/** The predicate of the options: true for a line to show. */
export function lineFilter(options: LineFilterOptions): (event: IndexedEvent) => boolean {
  const { grep, since, until } = options;
  const streams = options.streams === undefined || options.streams.length === 0 ? undefined : new Set(options.streams);
  return (event) =>
    (since === undefined || event.timestamp >= since) &&
    (until === undefined || event.timestamp <= until) &&
    (streams === undefined || streams.has(event.stream ?? '')) &&
    (grep === undefined || grep.test(event.message));
}
