/// <reference lib="dom" />
import { el } from './dom';
import { formatTimestamp, type TimestampMode } from './format';
import type { LineMatcher } from './line-filter';
import { groupMarker } from './log-groups';
import { plainText, renderMessage, type ViewLine } from './line-render';

/** Must match `--row` in styles.css: rows have a fixed height so a position is just an offset. */
export const ROW_PX = 20;
// Rows rendered beyond the viewport on each side: enough for a fast wheel flick between frames.
export const OVERSCAN = 40;

/** A line as a view holds it: what it is to the folding of the log. */
export interface HeldLine extends ViewLine {
  /** `start`: a group's header (shown as its title); `end`: a group's end marker (never shown as text). */
  marker?: 'start' | 'end';
  /** The header's title, and whether its group opens by default. */
  title?: string;
  opensByDefault?: boolean;
  /** Position in the view's lines of the header of the group the line belongs to. */
  group?: number;
}

/** A held copy of `event`, its group marker read. */
export function heldLine(event: ViewLine): HeldLine {
  const line: HeldLine = {
    index: event.index,
    timestamp: event.timestamp,
    message: event.message,
    ...(event.stream === undefined ? {} : { stream: event.stream }),
  };
  const marker = groupMarker(plainText(line));
  if (marker?.kind === 'start') {
    line.marker = 'start';
    line.title = marker.title;
    line.opensByDefault = marker.open;
  } else if (marker?.kind === 'end') {
    line.marker = 'end';
  }
  return line;
}

/** How a row is drawn. */
export interface RowStyle {
  readonly target: boolean;
  readonly timestamps: TimestampMode;
  readonly matcher: LineMatcher | null;
  /** For a group's header: whether its group is open. */
  readonly open: boolean;
  /** Of a stream other than the one chosen, in a view that dims such lines rather than hiding them. */
  readonly dimmed?: boolean;
}

/** The row of a line: its number (a link to it), its time, its message (a header: its title, a toggle). */
export function lineRow(line: HeldLine, style: RowStyle): HTMLElement {
  const header = line.marker === 'start';
  const text = header ? (line.title ?? '') : line.marker === 'end' ? '' : plainText(line);
  const highlights = style.matcher ? style.matcher.ranges(text) : [];
  return el(
    'div',
    {
      class: `line${style.target ? ' target' : ''}${header ? ' group-header' : ''}${line.group !== undefined ? ' in-group' : ''}${style.dimmed ? ' other-stream' : ''}`,
      'data-index': line.index,
      'aria-current': style.target && 'true',
    },
    // Out of the tab order: a log would be thousands of stops; the log itself scrolls by keyboard.
    el('a', { class: 'ln', href: `#L${line.index}`, tabindex: -1 }, String(line.index)),
    style.timestamps !== 'hidden' && el('span', { class: 'ts' }, formatTimestamp(line.timestamp, style.timestamps)),
    line.stream !== undefined && streamBadge(line.stream),
    header
      ? el(
          'button',
          { type: 'button', class: 'group-toggle msg', 'aria-expanded': String(style.open) },
          renderMessage(text, highlights),
        )
      : el('span', { class: 'msg' }, line.marker === 'end' ? '' : renderMessage(line.message, highlights)),
  );
}

// Colours a stream's badge can take (classes in styles.css): stderr has its own, every other name one by its hash.
const STREAM_COLOURS = 6;

/** The badge of a line's stream, in a colour that is the same for the name on every page and every load. */
export function streamBadge(stream: string): HTMLElement {
  let hash = 0;
  for (let i = 0; i < stream.length; i++) hash = (hash * 31 + stream.charCodeAt(i)) >>> 0;
  const colour = stream === 'stderr' ? 'stream-err' : `stream-c${hash % STREAM_COLOURS}`;
  return el('span', { class: `stream ${colour}`, 'data-stream': stream, title: stream }, stream);
}

/**
 * Handles a click in the log: a group toggle (`onToggle`), or a line number: a shift-click after a first click selects
 * the range between them (`onRange`, the link is not followed). Returns the anchor for the next shift-click.
 */
export function handleLineClick(
  event: MouseEvent,
  anchor: number | undefined,
  handlers: { onToggle?: (index: number) => void; onRange?: (from: number, to: number) => void },
): number | undefined {
  const target = event.target as Element;
  const row = target.closest<HTMLElement>('.line');
  const index = Number(row?.dataset.index);
  if (!row || !Number.isSafeInteger(index)) return anchor;
  if (target.closest('.group-toggle')) {
    handlers.onToggle?.(index);
    return anchor;
  }
  if (!target.closest('a.ln')) return anchor;
  if (event.shiftKey && anchor !== undefined && handlers.onRange) {
    event.preventDefault();
    handlers.onRange(Math.min(anchor, index), Math.max(anchor, index));
    return anchor;
  }
  return index;
}
