import type { ExecutionListEntry } from '../client/client';
import { paint, type StyleName } from './colors';

const STATUS_STYLE: Record<string, StyleName> = {
  RUNNING: 'cyan',
  SUCCEEDED: 'green',
  FAILED: 'red',
  STOPPED: 'yellow',
};

const HEADERS = ['EXECUTION ID', 'STATUS', 'STARTED', 'COMPLETED'] as const;

/** A time of the table: ISO 8601 UTC to the second, `-` when there is none. */
export function tableTime(date: Date | null): string {
  if (date === null) return '-';
  return Number.isNaN(date.getTime()) ? '?' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The lines of the `logstream list` table (a header, then one row per execution, in the order given). */
export function formatExecutionTable(rows: readonly ExecutionListEntry[], color: boolean): string[] {
  const cells = rows.map((row) => [row.executionId, row.status, tableTime(row.startedAt), tableTime(row.completedAt)]);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[], paintStatus: boolean): string =>
    row
      .map((cell, column) => {
        // The last column is not padded: no trailing blanks.
        const padded = column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
        const style = STATUS_STYLE[cell];
        return paintStatus && column === 1 && style ? padded.replace(cell, paint(cell, style)) : padded;
      })
      .join('   ');
  return [line(HEADERS, false), ...cells.map((row) => line(row, color))];
}
