/// <reference lib="dom" />
import type { LineMatcher } from './line-filter';
import { plainText, type ViewLine } from './line-render';
import { heldLine, lineRow, OVERSCAN, ROW_PX, type HeldLine } from './log-row';
import { LogScroller, type LogScrollerOptions } from './log-scroller';

/** Options of the viewer. */
export interface LogViewOptions extends LogScrollerOptions {
  /** Render only the rows in view (default); false renders every line, as a baseline to measure against. */
  readonly virtualize: boolean;
}

/**
 * The log: line numbers (the indexes), timestamps, ANSI colours, a filter hiding non-matching lines with
 * the matches highlighted, follow mode that sticks to the end, a target line or range (`#L123`, `#L10-L20`), and
 * groups folded under their headers (see `groupMarker`; lines keep their indexes). Virtualised: only the rows in
 * view exist in the DOM, so a log of any length costs the same to scroll.
 */
export class LogView extends LogScroller {
  private readonly lines: HeldLine[] = [];
  /** Positions in `lines` of the lines shown (the filter's result, folded groups left out); null: every line. */
  private shown: number[] | null = null;
  /** Whether each group (by its header's position in `lines`) is open. */
  private readonly groups = new Map<number, { open: boolean }>();
  /** The header of the group lines appended now belong to. */
  private openGroup: number | undefined;
  private rendered = new Map<number, HTMLElement>();
  /** Unvirtualised: the first line (position in `lines`) whose row is not in the DOM yet. */
  private flatFrom: number | undefined;
  /** The stream whose lines alone are shown (null: every stream's). */
  private stream: string | null = null;

  constructor(private readonly options: LogViewOptions) {
    super(options, options.virtualize);
  }

  /** Number of lines held / shown. */
  get size(): { lines: number; shown: number } {
    return { lines: this.lines.length, shown: this.shown?.length ?? this.lines.length };
  }

  /** The index of the last line held (0 when empty). */
  get lastIndex(): number {
    return this.lines[this.lines.length - 1]?.index ?? 0;
  }

  /** Adds lines at the end (the caller keeps them in index order without gaps). */
  append(events: readonly ViewLine[]): void {
    const start = this.lines.length;
    const groupsBefore = this.groups.size;
    for (const event of events) this.hold(heldLine(event));
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

  /** Shows only lines of `stream` (null: of every stream). */
  setStream(stream: string | null): void {
    this.stream = stream;
    this.shown = this.visiblePositions();
    this.rerender();
  }

  /** Opens or folds the group whose header is line `index`. */
  override toggleGroup(index: number): void {
    const position = index - (this.lines[0]?.index ?? 1);
    const group = this.groups.get(position);
    if (!group) return;
    group.open = !group.open;
    this.shown = this.visiblePositions();
    this.rerender();
  }

  private hold(line: HeldLine): void {
    const position = this.lines.length;
    if (line.marker === 'start') {
      this.groups.set(position, { open: line.opensByDefault ?? false });
      this.openGroup = position;
    } else if (line.marker === 'end' && this.openGroup !== undefined) {
      line.group = this.openGroup;
      this.openGroup = undefined;
    } else {
      // An end marker outside any group is shown as a line like any other.
      if (line.marker === 'end') delete line.marker;
      line.group = this.openGroup;
    }
    this.lines.push(line);
  }

  /** Whether the line at `position` is shown: a filter shows its matches (opening their groups), else folding decides. */
  private isVisible(position: number): boolean {
    const line = this.lines[position] as HeldLine;
    if (line.marker === 'end') return false;
    if (this.stream !== null && line.stream !== this.stream) return false;
    const group = line.group === undefined ? undefined : this.groups.get(line.group);
    if (this.matcher) {
      const matches = this.matcher.test(line.marker === 'start' ? (line.title ?? '') : plainText(line));
      if (matches && group) group.open = true;
      return matches;
    }
    return group?.open ?? true;
  }

  private visiblePositions(): number[] | null {
    if (!this.matcher && this.stream === null && this.groups.size === 0) return null;
    const shown: number[] = [];
    for (let i = 0; i < this.lines.length; i++) if (this.isVisible(i)) shown.push(i);
    return shown;
  }

  protected override beforeReveal(index: number): void {
    this.openGroupOf(index);
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

  /** Where line `index` is among the shown lines (the nearest following one when filtered out). */
  private positionOf(index: number): number | undefined {
    const at = index - (this.lines[0]?.index ?? 1);
    if (at < 0 || at >= this.lines.length) return undefined;
    if (!this.shown) return at;
    const found = this.shown.findIndex((p) => p >= at);
    return found === -1 ? Math.max(0, this.shown.length - 1) : found;
  }

  protected rerender(): void {
    for (const row of this.rendered.values()) row.remove();
    this.rendered.clear();
    if (!this.options.virtualize) {
      this.canvas.replaceChildren();
      this.flatFrom = 0;
    }
    this.schedule();
  }

  protected render(): void {
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
    return lineRow(line, {
      target: this.isTarget(line.index),
      timestamps: this.timestamps,
      matcher: this.matcher,
      open: this.groups.get(at)?.open ?? false,
    });
  }
}
