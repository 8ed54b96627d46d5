/// <reference lib="dom" />
import { el, mainRegion } from './dom';
import { executionHeader } from './execution-header';
import type { TimestampMode } from './format';
import { LogFeed, type FeedState } from './log-feed';
import { buildMatcher } from './line-filter';
import { LogView } from './log-view';
import { MatchList } from './match-list';
import { Scrollback } from './scrollback';
import { WindowedLogView } from './windowed-log-view';

const TIMESTAMP_SETTING = 'logstream.timestamps';
// A stored log longer than this opens windowed: at its end, reading only what is in view (`?window=0|1` decides).
const FULL_LOAD_MAX_LINES = 20_000;

/** The execution page: its status, its log (live while it runs), filter, line links, download, stop. */
export function showExecutionPage(executionId: string): void {
  const main = mainRegion();
  const params = new URLSearchParams(location.search);
  const virtualize = params.get('virtualize') !== '0';
  document.title = `${executionId} · logstream`;

  const filterInput = el('input', {
    id: 'filter',
    type: 'search',
    placeholder: 'text (a regular expression with Regex); / to focus',
    autocomplete: 'off',
  });
  const regexBox = el('input', { id: 'filter-regex', type: 'checkbox' });
  const caseBox = el('input', { id: 'filter-case', type: 'checkbox' });
  const filterError = el('span', { id: 'filter-error', class: 'error', role: 'alert' });
  const filterCount = el('span', { id: 'filter-count', class: 'muted', 'aria-live': 'polite' });
  const timestampSelect = el(
    'select',
    { id: 'timestamps' },
    el('option', { value: 'hidden' }, 'hidden'),
    el('option', { value: 'local' }, 'local time'),
    el('option', { value: 'utc' }, 'UTC'),
  );
  // Filled with each stream as its first line arrives; choosing one shows only its lines (and searches only it); in a
  // windowed log it dims the others' lines and, with no text filter, lists its own lines in the whole log.
  const streamSelect = el('select', { id: 'stream-filter' }, el('option', { value: '' }, 'all streams'));
  const streamsSeen = new Set<string>();
  const feedStatus = el('p', { class: 'feed-status', role: 'status', 'aria-live': 'polite' }, 'Loading the log…');
  const jumpButton = el('button', { type: 'button', class: 'jump', hidden: true }, 'Jump to live');
  const topButton = el('button', { type: 'button', class: 'jump-top', hidden: true }, 'Jump to top');

  const header = executionHeader(
    executionId,
    (execution) => void (jumpButton.textContent = execution.status === 'RUNNING' ? 'Jump to live' : 'Jump to end'),
    (message) => void (feedStatus.textContent = message),
  );
  const viewOptions = {
    onFollowChange: (following: boolean) => {
      jumpButton.hidden = following;
    },
    onRangeSelect: (from: number, to: number) => {
      location.hash = `#L${from}-L${to}`;
    },
  };
  // Decided once the execution is known (see `open` below): the whole log, or a window of it.
  let view: LogView | WindowedLogView = new LogView({ virtualize, ...viewOptions });
  const logWrap = el('div', { class: 'log-wrap' }, view.element, jumpButton, topButton);

  const matchList = new MatchList(executionId);

  const section = el(
    'section',
    { class: 'execution', 'aria-labelledby': 'execution-title', 'data-phase': 'loading' },
    el('h1', { id: 'execution-title' }, 'Execution ', el('code', {}, executionId)),
    ...header.elements,
    el(
      'div',
      { class: 'toolbar' },
      el('label', { for: 'filter' }, 'Filter'),
      filterInput,
      el('label', { class: 'check' }, regexBox, ' Regex'),
      el('label', { class: 'check' }, caseBox, ' Match case'),
      el('label', { for: 'stream-filter' }, 'Stream'),
      streamSelect,
      el('label', { for: 'timestamps' }, 'Timestamps'),
      timestampSelect,
      filterCount,
      filterError,
    ),
    matchList.element,
    feedStatus,
    logWrap,
  );
  main.append(section);

  // Filter: applied as the user types; a bad regular expression is shown, never thrown.
  const applyFilter = (): void => {
    const { matcher, error } = buildMatcher(filterInput.value, { regex: regexBox.checked, matchCase: caseBox.checked });
    filterError.textContent = error ? `Invalid regular expression: ${error}` : '';
    filterInput.setAttribute('aria-invalid', String(error !== undefined));
    if (!error) view.setFilter(matcher);
    const stream = streamSelect.value === '' ? null : streamSelect.value;
    // Hides the other streams' lines, or in a window (where hiding would move every later line) dims them.
    view.setStream(stream);
    const text = error ? '' : filterInput.value;
    if (text === '' && stream !== null && view instanceof WindowedLogView) {
      // A window still shows every stream: the list goes through the chosen one's lines in the whole log.
      matchList.streamLines(stream);
    } else {
      // The whole log is searched on the server (its own 400 says what is wrong with a pattern it refuses).
      matchList.search(text, {
        regex: regexBox.checked,
        matchCase: caseBox.checked,
        ...(stream === null ? {} : { stream }),
      });
    }
    showMatches();
  };
  const showMatches = (): void => {
    const { lines, shown } = view.size;
    filterCount.textContent =
      (filterInput.value || streamSelect.value) && lines !== shown
        ? `${shown.toLocaleString()} of ${lines.toLocaleString()} lines`
        : '';
  };
  for (const input of [filterInput, regexBox, caseBox, streamSelect]) input.addEventListener('input', applyFilter);
  const noteStreams = (events: readonly { stream?: string }[]): void => {
    for (const { stream } of events) {
      if (stream === undefined || streamsSeen.has(stream)) continue;
      streamsSeen.add(stream);
      streamSelect.append(el('option', { value: stream }, stream));
    }
  };

  const savedMode = localStorage.getItem(TIMESTAMP_SETTING);
  timestampSelect.value = savedMode === 'local' || savedMode === 'utc' ? savedMode : 'hidden';
  view.setTimestamps(timestampSelect.value as TimestampMode);
  timestampSelect.addEventListener('change', () => {
    localStorage.setItem(TIMESTAMP_SETTING, timestampSelect.value);
    view.setTimestamps(timestampSelect.value as TimestampMode);
  });

  jumpButton.addEventListener('click', () => {
    view.jumpToEnd();
    view.element.focus();
  });
  topButton.addEventListener('click', () => {
    view.jumpToTop();
    view.element.focus();
  });

  // Keyboard: "/" goes to the filter, Escape clears it, "End" in the log follows it again.
  document.addEventListener('keydown', (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if (event.key === '/' && !typing) {
      event.preventDefault();
      filterInput.focus();
    } else if (event.key === 'Escape' && event.target === filterInput) {
      filterInput.value = '';
      applyFilter();
    } else if (event.key === 'End' && event.target === view.element) {
      view.jumpToEnd();
    }
  });

  // A line link (#L123) or range link (#L10-L20) opens scrolled to it; line numbers are such links, and a
  // shift-click on one after a first click selects the range between them.
  const followHash = (): void => {
    const match = /^#L(\d+)(?:-L(\d+))?$/.exec(location.hash);
    if (match) view.goToRange(Number(match[1]), Number(match[2] ?? match[1]));
  };
  window.addEventListener('hashchange', followHash);

  const feed = new LogFeed(executionId, {
    events: (events) => {
      noteStreams(events);
      view.append(events);
      // For scripts and tests: which lines arrived, in order.
      const detail = { first: events[0]?.index ?? 0, last: events[events.length - 1]?.index ?? 0 };
      document.dispatchEvent(new CustomEvent('logstream:lines', { detail }));
      header.showLines(view.lastIndex);
      showMatches();
      section.dataset.lastIndex = String(view.lastIndex);
      if (view instanceof WindowedLogView) section.dataset.held = String(view.held);
    },
    state: (state: FeedState) => {
      section.dataset.phase = state.phase;
      feedStatus.textContent = describe(state, view.lastIndex);
      if (state.phase === 'done' || state.phase === 'sealing' || state.phase === 'live')
        void header.refresh().catch(() => undefined);
    },
  });

  void header
    .refresh()
    .then((execution) => {
      // A long stored log (sealed, or running) opens windowed at its end: only the last page is read, the rest as it
      // comes into view. Any other log is read whole, as a running one follows its end and a completed one opens at
      // its first line (or the linked one).
      const stored = execution.sealed || execution.status === 'RUNNING';
      const windowed =
        params.get('window') === '1' ||
        (params.get('window') !== '0' && stored && execution.last_index > FULL_LOAD_MAX_LINES);
      let startAt = 0;
      if (windowed) {
        const scrollback = new Scrollback(executionId, (events) => {
          // A stream seen first in scrollback joins the Stream menu as one seen in the feed does.
          noteStreams(events);
          windowedView.insert(events);
          if (view === windowedView) section.dataset.held = String(windowedView.held);
        });
        const windowedView = new WindowedLogView({ ...viewOptions, onNeed: (from, to) => scrollback.read(from, to) });
        view.element.replaceWith(windowedView.element);
        view = windowedView;
        windowedView.setTotal(execution.last_index);
        topButton.hidden = false;
        section.dataset.windowed = 'true';
        startAt = Math.max(0, execution.last_index - Scrollback.PAGE);
      } else if (!header.running) {
        view.follow(false);
      }
      applyFilter();
      view.setTimestamps(timestampSelect.value as TimestampMode);
      followHash();
      feed.start(startAt);
    })
    .catch((error: unknown) => {
      section.dataset.phase = 'failed';
      feedStatus.textContent = `Could not load ${executionId}: ${error instanceof Error ? error.message : String(error)}`;
    });
}

function describe(state: FeedState, lines: number): string {
  const count = `${lines.toLocaleString()} line${lines === 1 ? '' : 's'}`;
  const note = state.note ? ` ${state.note}` : '';
  switch (state.phase) {
    case 'loading':
      return `Loading… ${count} so far.`;
    case 'live':
      return `Live: ${count}.${note}`;
    case 'reconnecting':
      return `Reconnecting: ${count} held.${note}`;
    case 'sealing':
      return `${state.status ?? ''}: ${count}.${note}`;
    case 'done':
      return `${state.status ?? 'Done'}: ${count}, ${state.sealed ? 'sealed (complete).' : 'not sealed.'}${note}`;
    case 'failed':
      return `Failed to read the log.${note}`;
  }
}
