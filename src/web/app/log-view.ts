/// <reference lib="dom" />
import { el } from './dom';
import { formatTimestamp, type TimestampMode } from './format';
import type { LineMatcher } from './line-filter';
import { groupMarker } from './log-groups';
import { plainText, renderMessage, type ViewLine } from './line-render';

/** Must match `--row` in styles.css: rows have a fixed height so a position is just an offset. */
const ROW_PX = 20;
// Rows rendered beyond the viewport on each side: enough for a fast wheel flick between frames.
const OVERSCAN = 40;

/** Options of the viewer. */
export interface LogViewOptions {
  /** Render only the rows in view (default); false renders every line, as a baseline to measure against. */
  readonly virtualize: boolean;
  /** Called when follow mode turns on or off (the user scrolled away from the end, or back). */
  readonly onFollowChange: (following: boolean) => void;
  /** Called when the user selects a range of lines (shift-click on a line number after a first click). */
  readonly onRangeSelect?: (from: number, to: number) => void;
}

/** A line as the view holds it: what it is to the folding of the log. */
interface HeldLine extends ViewLine {
  /** `start`: a group's header (shown as its title); `end`: a group's end marker (never shown). */
  marker?: 'start' | 'end';
  /** The header's title. */
  title?: string;
  /** Position in `lines` of the header of the group the line belongs to. */
  group?: number;
}

/**
 * The log: line numbers (the indexes), timestamps, ANSI colours, a filter hiding non-matching lines with
 * the matches highlighted, follow mode that sticks to the end, a target line or range (`#L123`, `#L10-L20`), and
 * groups folded under their headers (see `groupMarker`; lines keep their indexes). Virtualised: only the rows in
 * view exist in the DOM, so a log of any length costs the same to scroll.
 */
export class LogView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly lines: HeldLine[] = [];
  /** Positions in `lines` of the lines shown (the filter's result, folded groups left out); null: every line. */
  private shown: number[] | null = null;
  /** Whether each group (by its header's position in `lines`) is open. */
  private readonly groups = new Map<number, { open: boolean }>();
  /** The header of the group lines appended now belong to. */
  private openGroup: number | undefined;
  private matcher: LineMatcher | null = null;
  private timestamps: TimestampMode = 'hidden';
  private rendered = new Map<number, HTMLElement>();
  private following = true;
  /** The target range of indexes (`#L10-L20`; one line: from = to). */
  private target: { from: number; to: number } | undefined;
  /** The line a shift-click extends a range from: the last line number clicked without shift. */
  private anchor: number | undefined;
  /** The target line is to be scrolled into view as soon as it is held. */
  private revealPending = false;
  private frame = 0;
  /** Unvirtualised: the first line (position in `lines`) whose row is not in the DOM yet. */
  private flatFrom: number | undefined;

  constructor(private readonly options: LogViewOptions) {
    this.canvas = el('div', { class: 'log-canvas', role: 'presentation' });
    this.element = el(
      'div',
      {
        class: `log-scroll${options.virtualize ? ' virtual' : ''}`,
        tabindex: 0,
        role: 'log',
        'aria-label': 'Log lines',
        'aria-live': 'off',
      },
      this.canvas,
    );
    this.element.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.canvas.addEventListener('click', (event) => this.onClick(event));
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  /** Number of lines held / shown. */
  get size(): { lines: number; shown: number } {
    return { lines: this.lines.length, shown: this.shown?.length ?? this.lines.length };
  }

  /** The index of the last line held (0 when empty). */
  get lastIndex(): number {
    return this.lines[this.lines.length - 1]?.index ?? 0;
  }

  /** Whether the view sticks to the end. */
  get isFollowing(): boolean {
    return this.following;
  }

  /** Adds lines at the end (the caller keeps them in index order without gaps). */
  append(events: readonly ViewLine[]): void {
    const start = this.lines.length;
    const groupsBefore = this.groups.size;
    for (const event of events) this.hold({ index: event.index, timestamp: event.timestamp, message: event.message });
    if (this.shown === null && this.groups.size > groupsBefore) {
      this.shown = this.visiblePositions();
    } else if (this.shown) {
      for (let i = start; i < this.lines.length; i++) if (this.isVisible(i)) this.shown.push(i);
    }
    // Rows (also unvirtualised ones) change only in a frame, together with the scroll: a scroll event
    // between frames then never sees the log grown under it and mistakes that for the user scrolling up.
    if (!this.options.virtualize) this.flatFrom ??= start;
    this.schedule();
  }

  /** Shows only lines matching `matcher` (null: all), matches highlighted; a group holding a match is opened. */
  setFilter(matcher: LineMatcher | null): void {
    this.matcher = matcher;
    this.shown = this.visiblePositions();
    this.rerender();
  }

  /** Opens or folds the group whose header is line `index`. */
  toggleGroup(index: number): void {
    const position = index - (this.lines[0]?.index ?? 1);
    const group = this.groups.get(position);
    if (!group) return;
    group.open = !group.open;
    this.shown = this.visiblePositions();
    this.rerender();
  }

  private hold(line: HeldLine): void {
    const position = this.lines.length;
    const marker = groupMarker(plainText(line));
    if (marker?.kind === 'start') {
      line.marker = 'start';
      line.title = marker.title;
      this.groups.set(position, { open: marker.open });
      this.openGroup = position;
    } else if (marker?.kind === 'end' && this.openGroup !== undefined) {
      line.marker = 'end';
      line.group = this.openGroup;
      this.openGroup = undefined;
    } else {
      line.group = this.openGroup;
    }
    this.lines.push(line);
  }

  /** Whether the line at `position` is shown: a filter shows its matches (opening their groups), else folding decides. */
  private isVisible(position: number): boolean {
    const line = this.lines[position] as HeldLine;
    if (line.marker === 'end') return false;
    const group = line.group === undefined ? undefined : this.groups.get(line.group);
    if (this.matcher) {
      const matches = this.matcher.test(line.marker === 'start' ? (line.title ?? '') : plainText(line));
      if (matches && group) group.open = true;
      return matches;
    }
    return group?.open ?? true;
  }

  private visiblePositions(): number[] | null {
    if (!this.matcher && this.groups.size === 0) return null;
    const shown: number[] = [];
    for (let i = 0; i < this.lines.length; i++) if (this.isVisible(i)) shown.push(i);
    return shown;
  }

  /** Shows timestamps, in local time or UTC, or hides them. */
  setTimestamps(mode: TimestampMode): void {
    this.timestamps = mode;
    this.element.classList.toggle('with-timestamps', mode !== 'hidden');
    this.rerender();
  }

  /** Follows the end from now on (the "jump to live" control). */
  jumpToEnd(): void {
    this.setFollowing(true);
    this.element.scrollTop = this.element.scrollHeight;
    this.schedule();
  }

  /** Scrolls to lines `from`..`to` once held and marks them, opening a folded group that holds them; follow stops. */
  goToRange(from: number, to = from): void {
    this.target = { from: Math.min(from, to), to: Math.max(from, to) };
    this.anchor ??= from;
    this.revealPending = true;
    this.setFollowing(false);
    this.openGroupOf(this.target.from);
    this.rerender();
  }

  /** Opens the folded group holding line `index`, if any; true when it did. */
  private openGroupOf(index: number): boolean {
    const line = this.lines[index - (this.lines[0]?.index ?? 1)];
    const group = line?.group === undefined ? undefined : this.groups.get(line.group);
    if (!group || group.open) return false;
    group.open = true;
    this.shown = this.visiblePositions();
    return true;
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as Element;
    const row = target.closest<HTMLElement>('.line');
    const index = Number(row?.dataset.index);
    if (!row || !Number.isSafeInteger(index)) return;
    if (target.closest('.group-toggle')) {
      this.toggleGroup(index);
      return;
    }
    if (!target.closest('a.ln')) return;
    if (event.shiftKey && this.anchor !== undefined && this.options.onRangeSelect) {
      // The browser would follow the link to one line: the selection is the range instead.
      event.preventDefault();
      this.options.onRangeSelect(Math.min(this.anchor, index), Math.max(this.anchor, index));
    } else {
      this.anchor = index;
    }
  }

  /** Where line `index` is among the shown lines (the nearest following one when filtered out). */
  private positionOf(index: number): number | undefined {
    const at = index - (this.lines[0]?.index ?? 1);
    if (at < 0 || at >= this.lines.length) return undefined;
    if (!this.shown) return at;
    const found = this.shown.findIndex((p) => p >= at);
    return found === -1 ? Math.max(0, this.shown.length - 1) : found;
  }

  private onScroll(): void {
    const el = this.element;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_PX;
    if (atEnd !== this.following) this.setFollowing(atEnd);
    this.schedule();
  }

  /** Turns follow mode on (stick to the end) or off. */
  follow(following: boolean): void {
    this.setFollowing(following);
    this.schedule();
  }

  private setFollowing(following: boolean): void {
    if (following === this.following) return;
    this.following = following;
    this.options.onFollowChange(following);
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private rerender(): void {
    for (const row of this.rendered.values()) row.remove();
    this.rendered.clear();
    if (!this.options.virtualize) {
      this.canvas.replaceChildren();
      this.flatFrom = 0;
    }
    this.schedule();
  }

  private render(): void {
    // A target held only now (after the link was followed) may be in a folded group: open it, then render.
    if (this.revealPending && this.target !== undefined && this.openGroupOf(this.target.from)) {
      this.rerender();
      return;
    }
    const count = this.shown?.length ?? this.lines.length;
    if (this.options.virtualize) this.canvas.style.height = `${count * ROW_PX}px`;
    else if (this.flatFrom !== undefined) {
      this.appendRows(this.flatFrom);
      this.flatFrom = undefined;
    }
    const targetAt = this.revealPending && this.target !== undefined ? this.positionOf(this.target.from) : undefined;
    if (targetAt !== undefined) {
      this.revealPending = false;
      this.element.scrollTop = Math.max(0, targetAt * ROW_PX - this.element.clientHeight / 3);
    } else if (this.following) {
      this.element.scrollTop = this.element.scrollHeight;
    }
    if (this.options.virtualize) {
      const top = this.element.scrollTop;
      const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
      const last = Math.min(count - 1, Math.ceil((top + this.element.clientHeight) / ROW_PX) + OVERSCAN);
      for (const [position, row] of this.rendered) {
        if (position < first || position > last) {
          row.remove();
          this.rendered.delete(position);
        }
      }
      for (let position = first; position <= last; position++) {
        if (this.rendered.has(position)) continue;
        const row = this.row(position);
        row.style.transform = `translateY(${position * ROW_PX}px)`;
        this.rendered.set(position, row);
        this.canvas.append(row);
      }
    }
    // Everything shown fits: there is no end to jump to (styles.css hides the control then).
    this.element.classList.toggle('fits', this.element.scrollHeight <= this.element.clientHeight);
  }

  private appendRows(from: number): void {
    const count = this.shown?.length ?? this.lines.length;
    const start = this.shown ? this.shown.findIndex((p) => p >= from) : from;
    if (start === -1) return;
    const fragment = document.createDocumentFragment();
    for (let position = start; position < count; position++) fragment.append(this.row(position));
    this.canvas.append(fragment);
  }

  private row(position: number): HTMLElement {
    const at = this.shown ? (this.shown[position] ?? 0) : position;
    const line = this.lines[at] as HeldLine;
    const isTarget = this.target !== undefined && line.index >= this.target.from && line.index <= this.target.to;
    const header = line.marker === 'start';
    const open = this.groups.get(at)?.open ?? false;
    const text = header ? (line.title ?? '') : plainText(line);
    const highlights = this.matcher ? this.matcher.ranges(text) : [];
    return el(
      'div',
      {
        class: `line${isTarget ? ' target' : ''}${header ? ' group-header' : ''}${line.group !== undefined ? ' in-group' : ''}`,
        'data-index': line.index,
        'aria-current': isTarget && 'true',
      },
      // Out of the tab order: a log would be thousands of stops; the log itself scrolls by keyboard.
      el('a', { class: 'ln', href: `#L${line.index}`, tabindex: -1 }, String(line.index)),
      this.timestamps !== 'hidden' && el('span', { class: 'ts' }, formatTimestamp(line.timestamp, this.timestamps)),
      header
        ? el(
            'button',
            { type: 'button', class: 'group-toggle msg', 'aria-expanded': String(open) },
            renderMessage(text, highlights),
          )
        : el('span', { class: 'msg' }, renderMessage(line.message, highlights)),
    );
  }
}
