import { MockActivityEnvironment } from '@temporalio/testing';
import { runCommand } from '../../activities/command/run-command';
import { ensureLogGroup } from '../../src/adapters/cloudwatch/provision';
import { createAwsAdapters, type AwsAdapters } from '../../src/compose/wiring';
import { newExecutionId, testConfig, waitFor } from '../support/harness';
import { recordingTelemetry } from '../support/recording-telemetry';

// A running job's log watched for a gap, on the real stack (CloudWatch and DynamoDB: the emulator behind the strict
// AWS layer): the job writes to a log group without logstream's subscription, so nothing stores its lines, and the
// runner reports, while the job still runs, that CloudWatch accepted events the log lacks.

const config = testConfig();
let aws: AwsAdapters;
beforeAll(() => {
  aws = createAwsAdapters(config);
});
afterAll(() => aws.destroy());

test('a job whose lines are not being stored is reported with a gap while it runs', async () => {
  // Not under the stack's log group name (other tests list the groups with that prefix).
  const logGroup = '/logstream/test-gap-watch';
  await ensureLogGroup(aws.cloudwatch, logGroup);
  const executionId = newExecutionId('gap-watch');
  const location = { logGroup, logStreams: [`executions/${executionId}`] };
  await aws.store.registerExecution({ executionId, location, startedAt: Date.now() });
  const telemetry = recordingTelemetry();
  const env = new MockActivityEnvironment(undefined, telemetry.environment);
  // The job prints its lines, then waits until the gap is reported (the test cancels it then).
  const run = env.run(
    runCommand,
    aws.source,
    { executionId, location, command: ['sh', '-c', 'seq 1 200; sleep 120'] },
    {},
    { store: aws.store, allowanceMs: 1000, everyMs: 200 },
  );
  await waitFor('the gap reported', async () =>
    telemetry.count('logstream_log_gaps_suspected') > 0 ? true : undefined,
  );
  env.cancel();
  await run.catch(() => undefined);
  expect(telemetry.count('logstream_log_gaps_suspected')).toBe(1);
  const error = telemetry.errors.find((e) => e.message.startsWith('log gap'));
  expect(error?.meta).toMatchObject({ executionId, accepted: 200, stored: 0 });
});
