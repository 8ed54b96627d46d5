/// <reference lib="dom" />
import { el } from './dom';
import type { LineMatcher } from './line-filter';
import type { ViewLine } from './line-render';
import { heldLine, lineRow, OVERSCAN, ROW_PX, type HeldLine } from './log-row';
import { LogScroller, type LogScrollerOptions } from './log-scroller';

/** Most lines a windowed view holds: the window around what is in view, whatever the log's length. */
export const WINDOW_MAX_LINES = 20_000;

/** Options of the windowed viewer. */
export interface WindowedLogViewOptions extends LogScrollerOptions {
  /** Called when lines `from`..`to` are in view and not held: the page reads them and gives them to `insert`. */
  readonly onNeed: (from: number, to: number) => void;
}

/**
 * The log of a huge execution: every line has its row position (index − 1) from the start, but only a window of at
 * most `WINDOW_MAX_LINES` consecutive lines is held, around what is in view; rows of lines not held are placeholders
 * until `onNeed` brings them. Follow mode, line and range targets and timestamps work as in `LogView`; the filter only
 * highlights here (its matches in the whole log are listed by the search), a chosen stream only dims the lines of the
 * others, and groups are shown by their titles without folding (hiding or folding would move every later line).
 */
export class WindowedLogView extends LogScroller {
  /** The window: `lines[i]` is line `base + i + 1`. */
  private lines: HeldLine[] = [];
  private base = 0;
  /** The highest index known: the log's length as far as the page knows it. */
  private total = 0;
  /** The stream whose lines are not dimmed (null: none is). */
  private stream: string | null = null;
  /** Rows in the DOM by position, and whether each is a placeholder. */
  private rendered = new Map<number, { row: HTMLElement; pending: boolean }>();

  constructor(private readonly options: WindowedLogViewOptions) {
    super(options, true);
  }

  /** Lines in the log / shown (the filter hides none here). */
  get size(): { lines: number; shown: number } {
    return { lines: this.total, shown: this.total };
  }

  /** The highest index known (0 when empty). */
  get lastIndex(): number {
    return this.total;
  }

  /** Lines held now (at most `WINDOW_MAX_LINES`). */
  get held(): number {
    return this.lines.length;
  }

  /** The log has at least `count` lines (before they are read): the scroll spans them all. */
  setTotal(count: number): void {
    if (count <= this.total) return;
    this.total = count;
    this.schedule();
  }

  /**
   * Adds lines from the feed (in index order): held when they continue the window (or the view follows the end),
   * else only counted, to be read again if they come into view.
   */
  append(events: readonly ViewLine[]): void {
    const first = events[0]?.index;
    const last = events[events.length - 1]?.index;
    if (first === undefined || last === undefined) return;
    const continues = this.lines.length === 0 || first <= this.base + this.lines.length + 1;
    if (continues || this.following) {
      this.insert(events);
      return;
    }
    this.total = Math.max(this.total, last);
    this.schedule();
  }

  /**
   * Holds `events` (consecutive, in index order): joined to the window when they touch or overlap it, else in place of
   * it; then the window is cut back to `WINDOW_MAX_LINES` on the side away from the view.
   */
  insert(events: readonly ViewLine[]): void {
    const first = events[0]?.index;
    const last = events[events.length - 1]?.index;
    if (first === undefined || last === undefined) return;
    this.total = Math.max(this.total, last);
    const low = this.base + 1;
    const high = this.base + this.lines.length;
    if (this.lines.length === 0 || last < low - 1 || first > high + 1) {
      this.lines = events.map(heldLine);
      this.base = first - 1;
      this.rerender();
    } else {
      const before = events.filter((event) => event.index < low).map(heldLine);
      if (before.length > 0) {
        this.lines = before.concat(this.lines);
        this.base = first - 1;
      }
      for (const event of events) if (event.index > high) this.lines.push(heldLine(event));
    }
    this.trim();
    this.schedule();
  }

  private trim(): void {
    const excess = this.lines.length - WINDOW_MAX_LINES;
    if (excess <= 0) return;
    const centre = Math.floor((this.element.scrollTop + this.element.clientHeight / 2) / ROW_PX) + 1;
    const low = this.base + 1;
    const high = this.base + this.lines.length;
    if (this.following || centre - low > high - centre) {
      this.lines.splice(0, excess);
      this.base += excess;
    } else {
      this.lines.length = WINDOW_MAX_LINES;
    }
    this.rerender();
  }

  /** Highlights what `matcher` matches (null: nothing). */
  setFilter(matcher: LineMatcher | null): void {
    this.matcher = matcher;
    this.rerender();
  }

  /** Dims the lines of streams other than `stream` (null: dims none). */
  setStream(stream: string | null): void {
    this.stream = stream;
    this.rerender();
  }

  protected rerender(): void {
    for (const { row } of this.rendered.values()) row.remove();
    this.rendered.clear();
    this.schedule();
  }

  protected render(): void {
    this.canvas.style.height = `${this.total * ROW_PX}px`;
    if (this.revealPending && this.target !== undefined && this.target.from <= this.total) {
      this.revealPending = false;
      this.element.scrollTop = Math.max(0, (this.target.from - 1) * ROW_PX - this.element.clientHeight / 3);
    } else if (this.following) {
      this.element.scrollTop = this.element.scrollHeight;
    }
    const top = this.element.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
    const last = Math.min(this.total - 1, Math.ceil((top + this.element.clientHeight) / ROW_PX) + OVERSCAN);
    for (const [position, { row }] of this.rendered) {
      if (position < first || position > last) {
        row.remove();
        this.rendered.delete(position);
      }
    }
    let missingFrom: number | undefined;
    let missingTo = 0;
    for (let position = first; position <= last; position++) {
      const index = position + 1;
      const line = this.lines[index - this.base - 1];
      const existing = this.rendered.get(position);
      if (existing && (existing.pending === false || line === undefined)) {
        if (line === undefined) {
          missingFrom ??= index;
          missingTo = index;
        }
        continue;
      }
      existing?.row.remove();
      const row = line
        ? this.row(line)
        : el('div', { class: 'line-pending' }, el('span', { class: 'ln' }, String(index)));
      row.style.transform = `translateY(${position * ROW_PX}px)`;
      this.rendered.set(position, { row, pending: line === undefined });
      this.canvas.append(row);
      if (line === undefined) {
        missingFrom ??= index;
        missingTo = index;
      }
    }
    if (missingFrom !== undefined) this.options.onNeed(missingFrom, missingTo);
    this.element.classList.toggle('fits', this.element.scrollHeight <= this.element.clientHeight);
  }

  private row(line: HeldLine): HTMLElement {
    return lineRow(line, {
      target: this.isTarget(line.index),
      timestamps: this.timestamps,
      matcher: this.matcher,
      open: true,
      dimmed: this.stream !== null && line.stream !== this.stream,
    });
  }
}
