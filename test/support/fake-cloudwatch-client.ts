// A CloudWatchLogsClient stand-in that sends the real adapter's commands to the in-memory CloudWatch.
import {
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { DependencyError } from '../../src/ports';
import type { InMemoryLogSource } from './fake-log-source';
import { awsError } from './fake-put-rules';

/** An injected `DependencyError` as the SDK error CloudWatch would answer (the adapter classifies it again). */
function asSdkError(error: unknown): unknown {
  if (!(error instanceof DependencyError)) return error;
  if (error.throttled) return awsError('ThrottlingException', 400, error.message);
  if (error.retryable) return awsError('ServiceUnavailableException', 503, error.message);
  return awsError(error.awsCode ?? 'InvalidParameterException', 400, error.message);
}

/**
 * A stand-in for `CloudWatchLogsClient` backed by an `InMemoryLogSource`, so the real
 * `CloudWatchLogSource` adapter can run against the same model (same call counts and injected failures).
 */
export function fakeCloudWatchClient(source: InMemoryLogSource): CloudWatchLogsClient {
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof GetLogEventsCommand) {
      const { logGroupName = '', logStreamName = '', nextToken, startTime, limit, startFromHead } = command.input;
      // Forward tokens are only valid with startFromHead: true; the model knows no other reading.
      if (startFromHead !== true) throw awsError('InvalidParameterException', 400, 'startFromHead must be true');
      const page = await source.getLogEvents(logGroupName, logStreamName, { nextToken, startTime, limit });
      return {
        events: page.events.map((e) => ({
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
        })),
        nextForwardToken: page.nextForwardToken,
        $metadata: {},
      };
    }
    if (command instanceof PutLogEventsCommand) {
      const { logGroupName = '', logStreamName = '', logEvents = [] } = command.input;
      try {
        const output = await source.putLogEvents(
          logGroupName,
          logStreamName,
          logEvents.map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })),
        );
        return { ...output, $metadata: {} };
      } catch (error) {
        throw asSdkError(error);
      }
    }
    if (command instanceof CreateLogStreamCommand) {
      const { logGroupName = '', logStreamName = '' } = command.input;
      if (source.hasStream(logGroupName, logStreamName)) {
        throw new ResourceAlreadyExistsException({ message: 'The specified log stream already exists', $metadata: {} });
      }
      await source.createStream(logGroupName, logStreamName);
      return { $metadata: {} };
    }
    if (command instanceof DescribeLogGroupsCommand) {
      await source.ping();
      return { logGroups: [], $metadata: {} };
    }
    throw new TypeError(`fakeCloudWatchClient: unsupported command ${String(command)}`);
  };
  return { send } as unknown as CloudWatchLogsClient;
}
