/// <reference lib="dom" />
import { api, apiFetch, storedKey, type ExecutionView } from './api';
import { el } from './dom';
import { executionDuration, formatDate, statusBadge } from './format';

/** The top of the execution page: status, exit code, start, duration, lines, sealed; stop and downloads. */
export interface ExecutionHeader {
  /** The panel and the actions, to place on the page. */
  readonly elements: HTMLElement[];
  /** Whether the execution ran at the last refresh. */
  readonly running: boolean;
  /** Re-reads `GET /executions/{id}`. */
  refresh(): Promise<ExecutionView>;
  /** Shows how many lines the page holds. */
  showLines(count: number): void;
}

/** Builds the header of execution `executionId`; `report` shows a failed action to the user. */
export function executionHeader(
  executionId: string,
  onChange: (view: ExecutionView) => void,
  report: (message: string) => void,
): ExecutionHeader {
  const base = `/executions/${encodeURIComponent(executionId)}`;
  const values = {
    status: el('dd', {}, '…'),
    exit: el('dd', {}, '—'),
    started: el('dd', {}, '—'),
    duration: el('dd', {}, '—'),
    lines: el('dd', {}, '0'),
    sealed: el('dd', {}, '—'),
  };
  const meta = el('dl', { class: 'meta' });
  for (const [label, value] of [
    ['Status', values.status],
    ['Exit code', values.exit],
    ['Started', values.started],
    ['Duration', values.duration],
    ['Lines', values.lines],
    ['Sealed', values.sealed],
  ] as const) {
    meta.append(el('div', {}, el('dt', {}, label), value));
  }
  const stopButton = el('button', { type: 'button', class: 'danger', hidden: true }, 'Stop execution');
  const downloads = (['txt', 'jsonl'] as const).map((format) =>
    el('a', { class: 'button', href: `${base}/logs.${format}`, download: '' }, `Download .${format}`),
  );

  let current: ExecutionView | undefined;
  const show = (): void => {
    if (!current) return;
    values.status.replaceChildren(statusBadge(current.status));
    values.exit.textContent = current.exit_code === null ? '—' : String(current.exit_code);
    values.started.textContent = formatDate(current.started_at);
    values.duration.textContent = executionDuration(current.started_at, current.completed_at);
    values.sealed.textContent = current.sealed ? 'yes: the log is complete' : 'not yet';
    stopButton.hidden = current.status !== 'RUNNING';
  };
  const refresh = async (): Promise<ExecutionView> => {
    const view = await api<ExecutionView>(base);
    current = view;
    show();
    onChange(view);
    return view;
  };

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
        .catch((error: unknown) => report(`Download failed: ${String(error)}`));
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
      .then(refresh)
      .catch((error: unknown) => report(`Stop failed: ${String(error)}`));
  });

  // The duration ticks while it runs; status and exit code are re-read every few seconds.
  let ticks = 0;
  setInterval(() => {
    show();
    if (current?.status === 'RUNNING' && ++ticks % 5 === 0 && document.visibilityState === 'visible') {
      void refresh().catch(() => undefined);
    }
  }, 1000);

  return {
    elements: [meta, el('div', { class: 'actions' }, stopButton, ...downloads)],
    get running() {
      return current?.status === 'RUNNING';
    },
    refresh,
    showLines: (count) => void (values.lines.textContent = count.toLocaleString()),
  };
}
