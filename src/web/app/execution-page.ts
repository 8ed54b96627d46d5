/// <reference lib="dom" />
import { api, apiFetch, storedKey, type ExecutionView } from './api';
import { el, mainRegion } from './dom';
import { executionDuration, formatDate, statusBadge, type TimestampMode } from './format';
import { LogFeed, type FeedState } from './log-feed';
import { buildMatcher } from './line-filter';
import { LogView } from './log-view';

const TIMESTAMP_SETTING = 'logstream.timestamps';

/** The execution page: its status, its log (live while it runs), filter, line links, download, stop. */
export function showExecutionPage(executionId: string): void {
  const main = mainRegion();
  const base = `/executions/${encodeURIComponent(executionId)}`;
  const virtualize = new URLSearchParams(location.search).get('virtualize') !== '0';
  document.title = `${executionId} · logstream`;

  const metaValues = {
    status: el('dd', {}, '…'),
    exit: el('dd', {}, '—'),
    started: el('dd', {}, '—'),
    duration: el('dd', {}, '—'),
    lines: el('dd', { 'data-testid': 'line-count' }, '0'),
    sealed: el('dd', {}, '—'),
  };
  const meta = el('dl', { class: 'meta' });
  for (const [label, value] of [
    ['Status', metaValues.status],
    ['Exit code', metaValues.exit],
    ['Started', metaValues.started],
    ['Duration', metaValues.duration],
    ['Lines', metaValues.lines],
    ['Sealed', metaValues.sealed],
  ] as const) {
    meta.append(el('div', {}, el('dt', {}, label), value));
  }

  const stopButton = el('button', { type: 'button', class: 'danger', hidden: true }, 'Stop execution');
  const downloads = (['txt', 'jsonl'] as const).map((format) =>
    el('a', { class: 'button', href: `${base}/logs.${format}`, download: '' }, `Download .${format}`),
  );
  const filterInput = el('input', {
    id: 'filter',
    type: 'search',
    placeholder: 'text or /regex/',
    autocomplete: 'off',
  });
  const regexBox = el('input', { id: 'filter-regex', type: 'checkbox' });
  const caseBox = el('input', { id: 'filter-case', type: 'checkbox' });
  const filterError = el('span', { id: 'filter-error', class: 'error', role: 'alert' });
  const timestampSelect = el(
    'select',
    { id: 'timestamps' },
    el('option', { value: 'hidden' }, 'hidden'),
    el('option', { value: 'local' }, 'local time'),
    el('option', { value: 'utc' }, 'UTC'),
  );
  const feedStatus = el('p', { class: 'feed-status', role: 'status', 'aria-live': 'polite' }, 'Loading the log…');
  const jumpButton = el('button', { type: 'button', class: 'jump', hidden: true }, 'Jump to live');

  let running = false;
  const view = new LogView({
    virtualize,
    onFollowChange: (following) => {
      jumpButton.hidden = following;
    },
  });

  const section = el(
    'section',
    { class: 'execution', 'aria-labelledby': 'execution-title', 'data-phase': 'loading' },
    el('h1', { id: 'execution-title' }, 'Execution ', el('code', {}, executionId)),
    meta,
    el('div', { class: 'actions' }, stopButton, ...downloads),
    el(
      'div',
      { class: 'toolbar' },
      el('label', { for: 'filter' }, 'Filter'),
      filterInput,
      el('label', { class: 'check' }, regexBox, ' Regex'),
      el('label', { class: 'check' }, caseBox, ' Match case'),
      el('label', { for: 'timestamps' }, 'Timestamps'),
      timestampSelect,
      filterError,
    ),
    feedStatus,
    el('div', { class: 'log-wrap' }, view.element, jumpButton),
  );
  main.append(section);

  // Filter: applied as the user types; a bad regular expression is shown, never thrown.
  const applyFilter = (): void => {
    const { matcher, error } = buildMatcher(filterInput.value, { regex: regexBox.checked, matchCase: caseBox.checked });
    filterError.textContent = error ? `Invalid regular expression: ${error}` : '';
    filterInput.setAttribute('aria-invalid', String(error !== undefined));
    if (!error) view.setFilter(matcher);
  };
  for (const input of [filterInput, regexBox, caseBox]) input.addEventListener('input', applyFilter);

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

  // A line link (#L123) opens scrolled to that line; line numbers are such links.
  const followHash = (): void => {
    const match = /^#L(\d+)$/.exec(location.hash);
    if (match) view.goToLine(Number(match[1]));
  };
  window.addEventListener('hashchange', followHash);

  // Downloads with an API key go through fetch (a plain link cannot send the key).
  for (const link of downloads) {
    link.addEventListener('click', (event) => {
      if (!storedKey()) return;
      event.preventDefault();
      void apiFetch(link.href)
        .then(async (response) => {
          const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'log';
          const url = URL.createObjectURL(await response.blob());
          el('a', { href: url, download: name }).click();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
        })
        .catch((error: unknown) => (feedStatus.textContent = `Download failed: ${String(error)}`));
    });
  }

  let confirmTimer: ReturnType<typeof setTimeout> | undefined;
  stopButton.addEventListener('click', () => {
    // Two steps: a stray click or Enter must not kill a job.
    if (stopButton.dataset.confirm !== 'true') {
      stopButton.dataset.confirm = 'true';
      stopButton.textContent = 'Confirm stop';
      confirmTimer = setTimeout(() => {
        delete stopButton.dataset.confirm;
        stopButton.textContent = 'Stop execution';
      }, 5000);
      return;
    }
    clearTimeout(confirmTimer);
    stopButton.disabled = true;
    stopButton.textContent = 'Stopping…';
    void api(`${base}/stop`, { method: 'POST' })
      .then(refreshMeta)
      .catch((error: unknown) => (feedStatus.textContent = `Stop failed: ${String(error)}`));
  });

  let current: ExecutionView | undefined;
  const showMeta = (): void => {
    if (!current) return;
    metaValues.status.replaceChildren(statusBadge(current.status));
    metaValues.exit.textContent = current.exit_code === null ? '—' : String(current.exit_code);
    metaValues.started.textContent = formatDate(current.started_at);
    metaValues.duration.textContent = executionDuration(current.started_at, current.completed_at);
    metaValues.sealed.textContent = current.sealed ? 'yes: the log is complete' : 'not yet';
    running = current.status === 'RUNNING';
    stopButton.hidden = !running;
    jumpButton.textContent = running ? 'Jump to live' : 'Jump to end';
  };
  async function refreshMeta(): Promise<void> {
    current = await api<ExecutionView>(base);
    showMeta();
  }

  const feed = new LogFeed(executionId, {
    events: (events) => {
      view.append(events);
      // For scripts and tests: which lines arrived, in order.
      const detail = { first: events[0]?.index ?? 0, last: events[events.length - 1]?.index ?? 0 };
      document.dispatchEvent(new CustomEvent('logstream:lines', { detail }));
      metaValues.lines.textContent = String(view.lastIndex);
      section.dataset.lastIndex = String(view.lastIndex);
    },
    state: (state: FeedState) => {
      section.dataset.phase = state.phase;
      feedStatus.textContent = describe(state, view.lastIndex);
      if (state.phase === 'done' || state.phase === 'sealing' || state.phase === 'live') void refreshMeta();
    },
  });

  void refreshMeta()
    .then(() => {
      // A running log follows its end; a completed one opens at its first line (or the linked one).
      if (!running) view.follow(false);
      followHash();
      feed.start();
    })
    .catch((error: unknown) => {
      section.dataset.phase = 'failed';
      feedStatus.textContent = `Could not load ${executionId}: ${error instanceof Error ? error.message : String(error)}`;
    });
  // Duration ticks while it runs; status and exit code are re-read now and then.
  let ticks = 0;
  setInterval(() => {
    showMeta();
    if (running && ++ticks % 5 === 0 && document.visibilityState === 'visible') void refreshMeta().catch(() => {});
  }, 1000);
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
