import { executionStatusOf, statusQuery } from '../../../../src/adapters/temporal/execution-status';

describe('an execution status from its workflow', () => {
  it('is the recorded terminal status whatever the workflow did', () => {
    expect(executionStatusOf('FAILED', 'COMPLETED')).toBe('FAILED');
    expect(executionStatusOf('STOPPED', 'RUNNING')).toBe('STOPPED');
    expect(executionStatusOf('SUCCEEDED', 'TERMINATED')).toBe('SUCCEEDED');
  });

  it('follows the workflow while the record says RUNNING (or nothing): a closed workflow is not RUNNING', () => {
    expect(executionStatusOf('RUNNING', 'RUNNING')).toBe('RUNNING');
    expect(executionStatusOf(undefined, 'RUNNING')).toBe('RUNNING');
    expect(executionStatusOf('RUNNING', 'COMPLETED')).toBe('SUCCEEDED');
    expect(executionStatusOf('RUNNING', 'TERMINATED')).toBe('STOPPED');
    expect(executionStatusOf('RUNNING', 'CANCELLED')).toBe('STOPPED');
    expect(executionStatusOf('RUNNING', 'TIMED_OUT')).toBe('FAILED');
    expect(executionStatusOf('RUNNING', 'FAILED')).toBe('FAILED');
  });

  it('has a visibility clause per status that names the same workflow states', () => {
    expect(statusQuery('RUNNING')).toBe("LogstreamStatus = 'RUNNING' AND ExecutionStatus = 'Running'");
    expect(statusQuery('STOPPED')).toContain("ExecutionStatus IN ('Canceled', 'Terminated')");
    expect(statusQuery('FAILED')).toContain("ExecutionStatus IN ('Failed', 'TimedOut')");
    expect(statusQuery('SUCCEEDED')).toContain("ExecutionStatus = 'Completed'");
  });
});
