import { ensureLogGroup } from '../adapters/cloudwatch/provision';
import { SUBSCRIPTION_FILTER_NAME } from '../adapters/cloudwatch/subscription';
import { ensureLogTable } from '../adapters/dynamodb/provision';
import { loadConfig, type Config } from '../config';
import { ensurePushDelivery, subscriptionRoleGuide } from '../compose/push-provisioning';
import { createAwsAdapters } from '../compose/wiring';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `npm run provision`: creates what logstream needs in an AWS account, idempotently: the log group, the DynamoDB
 * table (TTL on), and unless `LOGSTREAM_INGEST=poll` the Kinesis Data Stream and the log group's subscription filter
 * to it. Push ingest needs `LOGSTREAM_SUBSCRIPTION_ROLE_ARN`: without it the command refuses (exit 2) and prints the
 * role to create. Resolves with the exit code; `say` gets the progress, `complain` the errors.
 */
export async function runProvision(
  env: Env,
  say: (line: string) => void,
  complain: (line: string) => void = say,
): Promise<number> {
  let config: Config;
  try {
    // Provisioning never starts the local stack: it is for an account (or an emulator) that runs already.
    config = loadConfig({ ...env, LOGSTREAM_LOCAL_STACK: '0' });
  } catch (error) {
    complain(`logstream provision: ${messageOf(error)}`);
    return 2;
  }
  if (config.ingest !== 'poll' && config.subscriptionRoleArn === undefined) {
    complain(
      `logstream provision: push ingest (LOGSTREAM_INGEST=${config.ingest}) needs LOGSTREAM_SUBSCRIPTION_ROLE_ARN, ` +
        `the role CloudWatch Logs assumes to write to the Kinesis stream ${config.kinesisStream}.`,
    );
    complain(subscriptionRoleGuide(config));
    return 2;
  }
  const where = config.localAws ? `the local emulator at ${config.awsEndpoint ?? ''}` : `AWS ${config.awsRegion}`;
  say(`provisioning logstream in ${where}`);
  const aws = createAwsAdapters(config);
  try {
    await ensureLogGroup(aws.cloudwatch, config.logGroup);
    say(`  log group ${config.logGroup}: ready`);
    await ensureLogTable(aws.dynamodb, config.table);
    say(`  DynamoDB table ${config.table}: ready (TTL on expires_at)`);
    const push = await ensurePushDelivery(aws, config);
    if (push.kind === 'skipped') {
      say(`  push ingest: skipped (${push.reason}); executions are polled`);
    } else {
      const shards = `${push.openShards} open shard${push.openShards === 1 ? '' : 's'}`;
      say(`  Kinesis stream ${config.kinesisStream}: ${push.streamCreated ? 'created, ' : ''}ACTIVE, ${shards}`);
      say(`    ${push.streamArn}`);
      say(`  subscription filter ${SUBSCRIPTION_FILTER_NAME} on ${config.logGroup}: ${push.filter}`);
    }
    say('done');
    return 0;
  } catch (error) {
    complain(`logstream provision: ${messageOf(error)}`);
    return 1;
  } finally {
    aws.destroy();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (require.main === module) {
  void runProvision(
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then((code) => process.exit(code));
}
