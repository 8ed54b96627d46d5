/// <reference lib="dom" />
import { el } from './dom';
import type { TimestampMode } from './format';
import type { LineMatcher } from './line-filter';
import { handleLineClick, ROW_PX } from './log-row';

/** What both log views are told by the page. */
export interface LogScrollerOptions {
  /** Called when follow mode turns on or off (the user scrolled away from the end, or back). */
  readonly onFollowChange: (following: boolean) => void;
  /** Called when the user selects a range of lines (shift-click on a line number after a first click). */
  readonly onRangeSelect?: (from: number, to: number) => void;
}

/**
 * What the log views share: the scroll element and its canvas, follow mode (stick to the end while at the end), the
 * target range (`#L10-L20`) and the anchor a shift-click extends it from, timestamps and the filter's matcher, and
 * rendering in animation frames. Subclasses hold the lines and draw the rows.
 */
export abstract class LogScroller {
  readonly element: HTMLElement;
  protected readonly canvas: HTMLElement;
  protected matcher: LineMatcher | null = null;
  protected timestamps: TimestampMode = 'hidden';
  protected following = true;
  /** The target range of indexes (one line: from = to). */
  protected target: { from: number; to: number } | undefined;
  /** The target is to be scrolled into view as soon as it can be. */
  protected revealPending = false;
  /** The line a shift-click extends a range from: the last line number clicked without shift. */
  private anchor: number | undefined;
  private frame = 0;

  constructor(
    private readonly scrollerOptions: LogScrollerOptions,
    virtual: boolean,
  ) {
    this.canvas = el('div', { class: 'log-canvas', role: 'presentation' });
    this.element = el(
      'div',
      {
        class: `log-scroll${virtual ? ' virtual' : ''}`,
        tabindex: 0,
        role: 'log',
        'aria-label': 'Log lines',
        'aria-live': 'off',
      },
      this.canvas,
    );
    this.element.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.canvas.addEventListener('click', (event) => {
      this.anchor = handleLineClick(event, this.anchor, {
        onToggle: (index) => this.toggleGroup(index),
        onRange: this.scrollerOptions.onRangeSelect,
      });
    });
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  /** Whether the view sticks to the end. */
  get isFollowing(): boolean {
    return this.following;
  }

  /** Opens or folds the group whose header is line `index` (a view that does not fold ignores it). */
  toggleGroup(index: number): void {
    void index;
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

  /** Goes to the first line; follow mode stops. */
  jumpToTop(): void {
    this.setFollowing(false);
    this.element.scrollTop = 0;
    this.schedule();
  }

  /** Scrolls to lines `from`..`to` as soon as it can and marks them; follow mode stops. */
  goToRange(from: number, to = from): void {
    this.target = { from: Math.min(from, to), to: Math.max(from, to) };
    this.anchor ??= from;
    this.revealPending = true;
    this.setFollowing(false);
    this.beforeReveal(this.target.from);
    this.rerender();
  }

  /** Turns follow mode on (stick to the end) or off. */
  follow(following: boolean): void {
    this.setFollowing(following);
    this.schedule();
  }

  /** Whether line `index` is in the target range. */
  protected isTarget(index: number): boolean {
    return this.target !== undefined && index >= this.target.from && index <= this.target.to;
  }

  /** Called before the view scrolls to a target starting at line `index` (a folding view opens its group). */
  protected beforeReveal(index: number): void {
    void index;
  }

  protected setFollowing(following: boolean): void {
    if (following === this.following) return;
    this.following = following;
    this.scrollerOptions.onFollowChange(following);
  }

  protected schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Drops every row and draws again in the next frame. */
  protected abstract rerender(): void;
  /** Draws the rows in view (or all of them) and keeps the scroll where it belongs. */
  protected abstract render(): void;

  private onScroll(): void {
    const el = this.element;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_PX;
    if (atEnd !== this.following) this.setFollowing(atEnd);
    this.schedule();
  }
}
