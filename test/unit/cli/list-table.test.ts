import { formatExecutionTable, tableTime } from '../../../src/cli/list-table';

const rows = [
  {
    executionId: 'b-long-execution-id',
    status: 'RUNNING' as const,
    startedAt: new Date('2026-11-27T15:04:05.123Z'),
    completedAt: null,
  },
  {
    executionId: 'a',
    status: 'SUCCEEDED' as const,
    startedAt: new Date('2026-11-27T15:00:00.000Z'),
    completedAt: new Date('2026-11-27T15:01:00.500Z'),
  },
];

describe('the logstream list table', () => {
  it('aligns id, status, started and completed in columns, in the order given, without trailing blanks', () => {
    expect(formatExecutionTable(rows, false)).toEqual([
      'EXECUTION ID          STATUS      STARTED                COMPLETED',
      'b-long-execution-id   RUNNING     2026-11-27T15:04:05Z   -',
      'a                     SUCCEEDED   2026-11-27T15:00:00Z   2026-11-27T15:01:00Z',
    ]);
  });

  it('colours the status only when asked, keeping the columns aligned', () => {
    const [header, running, succeeded] = formatExecutionTable(rows, true);
    expect(header).toBe('EXECUTION ID          STATUS      STARTED                COMPLETED');
    expect(running).toBe('b-long-execution-id   \u001b[36mRUNNING\u001b[39m     2026-11-27T15:04:05Z   -');
    expect(succeeded).toContain('\u001b[32mSUCCEEDED\u001b[39m   2026');
  });

  it('an empty list is the header alone; an unreadable time is a question mark', () => {
    expect(formatExecutionTable([], false)).toEqual(['EXECUTION ID   STATUS   STARTED   COMPLETED']);
    expect(tableTime(new Date('not a time'))).toBe('?');
    expect(tableTime(null)).toBe('-');
  });
});
