import { SETTINGS } from '../../config-schema';
import { clientFault } from './aws-fault';
import type { DeliveryModel } from './delivery-model';
import { faultAnswer, jsonAnswer, parseJson, rewritten, type HttpAnswer, type JsonObject } from './http-answer';
import { hashKeyOf, shardOfKey } from './shard-write-meter';
import { StreamShards, type StreamReference } from './stream-shards';

type Forward = (input: JsonObject | undefined) => Promise<HttpAnswer>;

/** A client's Kinesis write answered within the destination shards' write limits. */
type LimitedWrite = (model: DeliveryModel, input: JsonObject, forward: Forward, now: number) => Promise<HttpAnswer>;

// The caller's account is the emulator's default one; its Region the stack's (a stream named by ARN says both).
const DEFAULT_ACCOUNT = '123456789012';

function streamOf(input: JsonObject): StreamReference {
  const arn = typeof input.StreamARN === 'string' ? input.StreamARN : undefined;
  const parts = arn?.split(':') ?? [];
  return {
    account: parts[4] ?? DEFAULT_ACCOUNT,
    region: parts[3] ?? SETTINGS.AWS_REGION.read(process.env),
    ...(arn === undefined ? { streamName: String(input.StreamName ?? '') } : { streamArn: arn }),
  };
}

function recordBytes(record: JsonObject): number {
  return Buffer.from(String(record.Data ?? ''), 'base64').length + Buffer.byteLength(String(record.PartitionKey ?? ''));
}

function exceeded(stream: StreamReference, shardId: string): string {
  const name = stream.streamArn?.split(':stream/')[1] ?? stream.streamName ?? '';
  return `Rate exceeded for shard ${shardId} in stream ${name} under account ${stream.account}.`;
}

/** True when `record` fits in its shard's write limits now (and is counted). */
async function admit(
  model: DeliveryModel,
  stream: StreamReference,
  record: JsonObject,
  now: number,
): Promise<{ ok: boolean; shardId?: string }> {
  const shards = model.streamShards();
  const limits = model.config.shardLimits;
  if (shards === undefined || (limits.bytesPerSecond === 0 && limits.recordsPerSecond === 0)) return { ok: true };
  const explicit = typeof record.ExplicitHashKey === 'string' ? record.ExplicitHashKey : undefined;
  const shard = shardOfKey(await shards.open(stream), hashKeyOf(String(record.PartitionKey ?? ''), explicit));
  // An unknown stream or key is the emulator's to refuse.
  if (shard === undefined) return { ok: true };
  const ok = model.meter.admit(StreamShards.meterKey(stream, shard.shardId), recordBytes(record), limits, now);
  if (!ok) model.countThrottledWrite();
  return { ok, shardId: shard.shardId };
}

/** PutRecord within the shard's write limits: ProvisionedThroughputExceededException over them, as Kinesis answers. */
export const limitedPutRecord: LimitedWrite = async (model, input, forward, now) => {
  const stream = streamOf(input);
  const verdict = await admit(model, stream, input, now);
  if (verdict.ok) return forward(undefined);
  const message = exceeded(stream, verdict.shardId ?? '');
  return faultAnswer('kinesis', clientFault('ProvisionedThroughputExceededException', message));
};

/** PutRecords within the shards' write limits: records over them fail one by one, the others are put. */
export const limitedPutRecords: LimitedWrite = async (model, input, forward, now) => {
  const stream = streamOf(input);
  const records = Array.isArray(input.Records) ? (input.Records as JsonObject[]) : [];
  const refused: (string | undefined)[] = [];
  for (const record of records) {
    const verdict = await admit(model, stream, record, now);
    refused.push(verdict.ok ? undefined : verdict.shardId);
  }
  if (refused.every((shard) => shard === undefined)) return forward(undefined);
  const failed = (shardId: string): JsonObject => ({
    ErrorCode: 'ProvisionedThroughputExceededException',
    ErrorMessage: exceeded(stream, shardId),
  });
  const kept = records.filter((_, index) => refused[index] === undefined);
  let answered: JsonObject[] = [];
  let answer: HttpAnswer | undefined;
  if (kept.length > 0) {
    answer = await forward({ ...input, Records: kept });
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    if (output === undefined) return answer;
    answered = Array.isArray(output.Records) ? (output.Records as JsonObject[]) : [];
  }
  let next = 0;
  const merged = refused.map((shardId) => (shardId === undefined ? (answered[next++] ?? {}) : failed(shardId)));
  const body: JsonObject = {
    FailedRecordCount: merged.filter((record) => record.ErrorCode !== undefined).length,
    Records: merged,
  };
  return answer === undefined ? jsonAnswer(body) : rewritten(answer, body);
};
