import type { AwsService } from './aws-fault';
import type { DeliveryModel } from './delivery-model';
import type { HttpAnswer, JsonObject } from './http-answer';
import { limitedPutRecord, limitedPutRecords } from './kinesis-write-limits';

type Forward = (input: JsonObject | undefined) => Promise<HttpAnswer>;

/**
 * The calls the delivery model answers: subscription filters (taken over, and shown as given) and clients' Kinesis
 * writes (held to the shards' write limits); undefined for every other call.
 */
export function deliveryAnswer(
  model: DeliveryModel,
  call: { service: AwsService; operation: string; input: JsonObject; now: number },
  forward: Forward,
): Promise<HttpAnswer> | undefined {
  const { service, operation, input, now } = call;
  if (service === 'logs' && operation === 'PutSubscriptionFilter') return model.putSubscriptionFilter(input, forward);
  if (service === 'logs' && operation === 'DescribeSubscriptionFilters') {
    return forward(undefined).then((answer) => model.describeSubscriptionFilters(answer));
  }
  if (service === 'kinesis' && operation === 'PutRecord') return limitedPutRecord(model, input, forward, now);
  if (service === 'kinesis' && operation === 'PutRecords') return limitedPutRecords(model, input, forward, now);
  return undefined;
}
