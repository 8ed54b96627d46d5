import { createActivities } from '../../activities';
import type { Config } from '../config';
import type { AwsAdapters } from './wiring';

/** The execution's activities (register, run, ingest, drain and seal) as logstream's worker hosts them. */
export function executionActivities(
  config: Config,
  aws: Pick<AwsAdapters, 'store' | 'source' | 'registry' | 'audit' | 'shards' | 'readBudget'>,
) {
  return createActivities({
    store: aws.store,
    source: aws.source,
    registry: aws.registry,
    audit: aws.audit,
    readBudget: aws.readBudget,
    shards: aws.shards,
    push: { mode: config.ingest, streamName: config.kinesisStream },
    pacing: { minMs: config.pollMinMs, maxMs: config.pollMaxMs },
    ttlSeconds: config.ttlDays * 86_400,
    // CloudWatch's subscription delivers "usually in less than three minutes"; then the hold, and the settle window.
    gapAllowanceMs: 180_000 + config.pushHoldMs + config.settleMs,
  });
}
