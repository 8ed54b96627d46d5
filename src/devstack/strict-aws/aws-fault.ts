import type { AwsFault } from './request-validator';
import type { AwsServiceName } from './service-model';

export type { AwsFault } from './request-validator';

/** The AWS services the strict layer knows. */
export type AwsService = AwsServiceName;

// By the `X-Amz-Target` prefix their requests carry.
const TARGET_PREFIXES: Readonly<Record<string, AwsService>> = {
  Logs_20140328: 'logs',
  DynamoDB_20120810: 'dynamodb',
  Kinesis_20131202: 'kinesis',
};

/** The service and operation named by an `X-Amz-Target` header, or undefined for anything else. */
export function parseTarget(target: string | undefined): { service: AwsService; operation: string } | undefined {
  if (target === undefined) return undefined;
  const dot = target.indexOf('.');
  const service = TARGET_PREFIXES[target.slice(0, dot)];
  if (dot < 0 || service === undefined) return undefined;
  return { service, operation: target.slice(dot + 1) };
}

/** A 400 fault of the given `__type`. */
export function clientFault(type: string, message: string): AwsFault {
  return { status: 400, type, message };
}

/** The fault AWS gives for calls over a rate: ThrottlingException, or DynamoDB's own exception. */
export function throttlingFault(service: AwsService): AwsFault {
  return service === 'dynamodb'
    ? clientFault(
        'ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded.',
      )
    : clientFault('ThrottlingException', 'Rate exceeded');
}

/** What a service in an outage answers. */
export function outageFault(): AwsFault {
  return { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable (injected outage)' };
}

/** The JSON body of a fault; DynamoDB qualifies `__type` with its namespace as AWS does. */
export function faultBody(service: AwsService | undefined, fault: AwsFault): string {
  const type = service === 'dynamodb' ? `com.amazonaws.dynamodb.v20120810#${fault.type}` : fault.type;
  return JSON.stringify({ __type: type, message: fault.message });
}
