import type { IndexedEvent } from '../domain';
import { paint, streamStyle } from './colors';

/** How a log line is printed. */
export interface LineFormat {
  /** One JSON event per line (`--json`); the other options do not apply. */
  readonly json: boolean;
  /** Prefix the event's time, ISO 8601 in UTC (`--timestamps`). */
  readonly timestamps: boolean;
  /** Add ANSI styles: the time dimmed, `highlight` matches in bold red. */
  readonly color: boolean;
  /** What `--grep` matched, highlighted when colouring. */
  readonly highlight?: RegExp;
  /** Put the line's stream in front of it, as `[stream]` (`--prefix`), in its stream's colour when colouring. */
  readonly prefix?: boolean;
}

/** The text of one log line as the CLI prints it (without the newline). */
export function formatEvent(event: IndexedEvent, format: LineFormat): string {
  if (format.json) return JSON.stringify(event);
  const message = format.color && format.highlight ? highlight(event.message, format.highlight) : event.message;
  const stream = `[${event.stream ?? ''}]`;
  const prefix = format.prefix ? `${format.color ? paint(stream, streamStyle(event.stream ?? '')) : stream} ` : '';
  if (!format.timestamps) return `${prefix}${message}`;
  const time = formatTimestamp(event.timestamp);
  return `${prefix}${format.color ? paint(time, 'dim') : time} ${message}`;
}

/** An event time as ISO 8601 UTC with milliseconds; an out-of-range one as its raw number. */
export function formatTimestamp(timestamp: number): string {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? String(timestamp) : date.toISOString();
}

/** `message` with every non-empty match of `pattern` in bold red. */
export function highlight(message: string, pattern: RegExp): string {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  return message.replace(global, (match) => (match.length === 0 ? match : paint(match, 'match')));
}
