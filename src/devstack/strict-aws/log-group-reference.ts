import { clientFault, type AwsFault } from './aws-fault';

/**
 * CloudWatch Logs operations that name their log group by `logGroupName` or by `logGroupIdentifier`: the model makes
 * both optional, but AWS wants exactly one of them.
 */
const EITHER_NAME_OR_IDENTIFIER = new Set([
  'GetLogEvents',
  'FilterLogEvents',
  'DescribeLogStreams',
  'GetLogGroupFields',
]);

/** InvalidParameterException when a read names its log group by both name and identifier, or by neither. */
export function logGroupReferenceProblem(operation: string, input: Record<string, unknown>): AwsFault | undefined {
  if (!EITHER_NAME_OR_IDENTIFIER.has(operation)) return undefined;
  const byName = input.logGroupName !== undefined && input.logGroupName !== null;
  const byIdentifier = input.logGroupIdentifier !== undefined && input.logGroupIdentifier !== null;
  if (byName && byIdentifier) {
    return clientFault(
      'InvalidParameterException',
      'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
    );
  }
  if (!byName && !byIdentifier) {
    return clientFault('InvalidParameterException', 'Should provide either name or ARN for LogGroup.');
  }
  return undefined;
}
