/// <reference lib="dom" />
import { el } from './dom';

/** How line timestamps are shown. */
export type TimestampMode = 'hidden' | 'local' | 'utc';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A timestamp as `YYYY-MM-DD HH:MM:SS.mmm`, in local time or UTC (then suffixed `Z`). */
export function formatTimestamp(ms: number, mode: TimestampMode): string {
  const d = new Date(ms);
  if (mode === 'utc') {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** An ISO time for people (local), or a dash. */
export function formatDate(iso: string | null): string {
  return iso === null ? '—' : formatTimestamp(Date.parse(iso), 'local');
}

/** A duration like `1h 02m 03s` or `4.2s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s % 60)}s` : `${m}m ${pad(s % 60)}s`;
}

/** The duration of an execution: to its completion, or to now while it runs. */
export function executionDuration(startedAt: string | null, completedAt: string | null, now = Date.now()): string {
  if (startedAt === null) return '—';
  return formatDuration((completedAt === null ? now : Date.parse(completedAt)) - Date.parse(startedAt));
}

/** A status badge: the word itself carries the meaning, the colour only repeats it. */
export function statusBadge(status: string): HTMLElement {
  return el('span', { class: `badge badge-${status.toLowerCase()}`, 'data-status': status }, status);
}
