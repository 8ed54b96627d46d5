/// <reference lib="dom" />
import { api, ApiError, type SearchPage } from './api';
import { el } from './dom';
import { renderMessage } from './line-render';
import { streamBadge } from './log-row';

// Matches fetched at a time: the list grows by this many with "More matches".
const MATCHES_PER_FETCH = 200;
// Requests one fetch may make to gather them (each reads at most the API's scan budget of the log).
const REQUESTS_PER_FETCH = 20;
const TYPING_PAUSE_MS = 250;

/** A search of the whole log, as `/search` takes it. */
interface Query {
  readonly q: string;
  readonly regex: boolean;
  readonly matchCase: boolean;
  readonly stream?: string;
}

/**
 * The filter's matches in the whole log, found by the API's `/search` (so lines not loaded into the page are found
 * too): a list of line numbers and messages, each a link to its line (`#L123`), growing a page at a time.
 */
export class MatchList {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly summary: HTMLElement;
  private readonly more: HTMLButtonElement;
  private query: Query | undefined;
  /** What the list counts: matches of a pattern, or lines of a stream. */
  private noun: 'match' | 'line' = 'match';
  private next: number | null = null;
  private found = 0;
  private aborter: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly executionId: string) {
    this.list = el('ol', { class: 'match-list' });
    this.summary = el('span', { class: 'match-summary', role: 'status', 'aria-live': 'polite' });
    this.more = el('button', { type: 'button', hidden: true }, 'More matches');
    this.more.addEventListener('click', () => void this.fetchMore());
    this.element = el(
      'section',
      { class: 'matches', 'aria-label': 'Matches in the whole log', hidden: true },
      this.summary,
      this.list,
      this.more,
    );
  }

  /** Searches the whole log (of `stream` only, when given) for `q` once the user pauses typing; an empty `q` hides the list. */
  search(q: string, options: { regex: boolean; matchCase: boolean; stream?: string }): void {
    this.start(q === '' ? undefined : { q, ...options }, 'match');
  }

  /**
   * Lists every line of `stream` in the whole log: a search for `^` (which every message matches) of that stream
   * only, for a view that cannot hide the other streams' lines.
   */
  streamLines(stream: string): void {
    this.start({ q: '^', regex: true, matchCase: false, stream }, 'line');
  }

  private start(query: Query | undefined, noun: 'match' | 'line'): void {
    clearTimeout(this.timer);
    this.aborter?.abort();
    this.query = query;
    this.noun = noun;
    this.list.replaceChildren();
    this.found = 0;
    this.next = 0;
    this.more.hidden = true;
    this.element.hidden = this.query === undefined;
    if (!this.query) return;
    this.summary.textContent = 'Searching the whole log…';
    this.timer = setTimeout(() => void this.fetchMore(), TYPING_PAUSE_MS);
  }

  private async fetchMore(): Promise<void> {
    const query = this.query;
    if (!query || this.next === null) return;
    const aborter = new AbortController();
    this.aborter = aborter;
    this.more.hidden = true;
    const params = new URLSearchParams({ q: query.q, limit: String(MATCHES_PER_FETCH) });
    if (query.regex) params.set('regex', '1');
    if (query.matchCase) params.set('case', '1');
    if (query.stream !== undefined) params.set('stream', query.stream);
    let gathered = 0;
    try {
      for (
        let request = 0;
        request < REQUESTS_PER_FETCH && gathered < MATCHES_PER_FETCH && this.next !== null;
        request++
      ) {
        params.set('since_index', String(this.next));
        params.set('limit', String(MATCHES_PER_FETCH - gathered));
        const page = await api<SearchPage>(
          `/executions/${encodeURIComponent(this.executionId)}/search?${params.toString()}`,
          { signal: aborter.signal },
        );
        if (aborter.signal.aborted) return;
        this.list.append(
          ...page.matches.map((match) =>
            el(
              'li',
              { 'data-index': match.index },
              el('a', { href: `#L${match.index}` }, String(match.index)),
              match.stream !== undefined && streamBadge(match.stream),
              el('span', { class: 'msg' }, renderMessage(match.message)),
            ),
          ),
        );
        gathered += page.matches.length;
        this.next = page.next_index;
      }
    } catch (error) {
      if (aborter.signal.aborted) return;
      this.summary.textContent =
        error instanceof ApiError ? `Search refused: ${error.message}` : `Search failed: ${String(error)}`;
      return;
    }
    this.found += gathered;
    const plural = this.noun === 'match' ? 'matches' : 'lines';
    const count = `${this.found.toLocaleString()} ${this.found === 1 ? this.noun : plural}`;
    this.summary.textContent = this.next === null ? `${count} in the whole log` : `${count} so far`;
    this.more.hidden = this.next === null;
  }
}
