import { managedLogStream } from './execution';

/** The stream names of a managed job's two pipes. */
export type OutputStream = 'stdout' | 'stderr';

/**
 * The name readers see for the stream of an event of `executionId` read from CloudWatch log stream `logStream`: a
 * managed job's one log stream holds both its pipes (`stdout`, or `stderr` for a line stored behind the marker); an
 * external execution's streams keep their CloudWatch names.
 */
export function streamName(executionId: string, logStream: string, stderr: boolean): string {
  if (logStream !== managedLogStream(executionId)) return logStream;
  return stderr ? 'stderr' : 'stdout';
}
