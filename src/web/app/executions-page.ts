/// <reference lib="dom" />
import { MAX_LIST_PAGE_SIZE } from '../../contract';
import { api, type ExecutionSummary, type ExecutionView } from './api';
import { el, mainRegion } from './dom';
import { executionDuration, formatDate, statusBadge } from './format';

const DEFAULT_PAGE_SIZE = 25;
// The API's largest page (newest first): this page's paging goes as deep as that.
const MAX_LISTED = MAX_LIST_PAGE_SIZE;
const REFRESH_MS = 3000;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED'] as const;

/** The executions page: newest first, a status filter, search by id, paging, badges kept live. */
export function showExecutionsPage(): void {
  const main = mainRegion();
  document.title = 'Executions · logstream';
  const params = new URLSearchParams(location.search);
  let page = Math.max(0, Number(params.get('page') ?? '0') || 0);
  const perPage = Number(params.get('per_page'));
  const PAGE_SIZE = Number.isInteger(perPage) && perPage >= 1 && perPage <= 100 ? perPage : DEFAULT_PAGE_SIZE;

  const statusSelect = el('select', { id: 'status-filter' }, el('option', { value: '' }, 'all'));
  for (const status of STATUSES) statusSelect.append(el('option', { value: status }, status));
  statusSelect.value = params.get('status') ?? '';
  const search = el('input', {
    id: 'search',
    type: 'search',
    placeholder: 'execution id',
    autocomplete: 'off',
    value: params.get('q') ?? '',
  });
  const message = el('p', { class: 'feed-status', role: 'status', 'aria-live': 'polite' });
  const rows = el('tbody');
  const previous = el('button', { type: 'button' }, '← Newer');
  const next = el('button', { type: 'button' }, 'Older →');
  const pageLabel = el('span', { class: 'muted' });

  main.append(
    el(
      'section',
      { class: 'executions', 'aria-labelledby': 'executions-title' },
      el('h1', { id: 'executions-title' }, 'Executions'),
      el(
        'form',
        { class: 'toolbar', role: 'search' },
        el('label', { for: 'status-filter' }, 'Status'),
        statusSelect,
        el('label', { for: 'search' }, 'Search by id'),
        search,
        el('button', { type: 'submit' }, 'Open'),
      ),
      message,
      el(
        'table',
        { class: 'executions-table' },
        el('caption', { class: 'visually-hidden' }, 'Executions, newest first'),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Execution', 'Status', 'Started', 'Duration'].map((title) => el('th', { scope: 'col' }, title)),
          ),
        ),
        rows,
      ),
      el('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, pageLabel, next),
    ),
  );

  const syncUrl = (): void => {
    const query = new URLSearchParams();
    if (statusSelect.value) query.set('status', statusSelect.value);
    if (search.value) query.set('q', search.value);
    if (page > 0) query.set('page', String(page));
    if (PAGE_SIZE !== DEFAULT_PAGE_SIZE) query.set('per_page', String(PAGE_SIZE));
    history.replaceState(null, '', `/${query.size > 0 ? `?${query.toString()}` : ''}`);
  };

  let generation = 0;
  async function load(): Promise<void> {
    const mine = ++generation;
    const status = statusSelect.value;
    const needle = search.value.trim().toLowerCase();
    // One more than the page shows tells whether an older page exists.
    const limit = needle ? MAX_LISTED : Math.min(MAX_LISTED, (page + 1) * PAGE_SIZE + 1);
    const query = new URLSearchParams({ limit: String(limit) });
    if (status) query.set('status', status);
    const { executions } = await api<{ executions: ExecutionSummary[] }>(`/executions?${query.toString()}`);
    if (mine !== generation) return;
    const matching = needle ? executions.filter((e) => e.execution_id.toLowerCase().includes(needle)) : executions;
    const shown = matching.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    rows.replaceChildren(
      ...shown.map((e) =>
        el(
          'tr',
          { 'data-execution-id': e.execution_id },
          el(
            'td',
            {},
            el('a', { href: `/executions/${encodeURIComponent(e.execution_id)}/view` }, el('code', {}, e.execution_id)),
          ),
          el('td', {}, statusBadge(e.status)),
          el('td', {}, formatDate(e.started_at)),
          el('td', {}, executionDuration(e.started_at, e.completed_at)),
        ),
      ),
    );
    if (shown.length === 0) {
      rows.append(
        el('tr', {}, el('td', { colspan: 4, class: 'muted' }, needle ? 'No execution id matches.' : 'None.')),
      );
    }
    previous.disabled = page === 0;
    next.disabled = matching.length <= (page + 1) * PAGE_SIZE;
    pageLabel.textContent = `Page ${page + 1}`;
    message.textContent = '';
  }
  const reload = (): void =>
    void load().catch((error: unknown) => {
      message.textContent = `Could not list executions: ${error instanceof Error ? error.message : String(error)}`;
    });

  statusSelect.addEventListener('change', () => {
    page = 0;
    syncUrl();
    reload();
  });
  search.addEventListener('input', () => {
    page = 0;
    syncUrl();
    reload();
  });
  previous.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    syncUrl();
    reload();
  });
  next.addEventListener('click', () => {
    page++;
    syncUrl();
    reload();
  });
  // Submitting an id opens it, also when it is older than the listed ones.
  search.form?.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = search.value.trim();
    if (!id) return;
    api<ExecutionView>(`/executions/${encodeURIComponent(id)}`).then(
      () => location.assign(`/executions/${encodeURIComponent(id)}/view`),
      (error: unknown) => (message.textContent = `No execution ${id}: ${error instanceof Error ? error.message : ''}`),
    );
  });

  reload();
  // Badges stay live: the list is re-read while the page is visible.
  setInterval(() => {
    if (document.visibilityState === 'visible') reload();
  }, REFRESH_MS);
}
