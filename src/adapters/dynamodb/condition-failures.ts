import { DependencyError } from '../../ports';
import type { Item } from './log-items';

// Read by the AWS error name, not by class identity (see src/adapters/aws-errors.ts).
function causeOf(error: unknown): { name?: unknown; Item?: unknown; CancellationReasons?: unknown } | undefined {
  return error instanceof DependencyError && typeof error.cause === 'object' && error.cause !== null
    ? (error.cause as { name?: unknown })
    : undefined;
}

/** True when a DynamoDB write was refused because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return causeOf(error)?.name === 'ConditionalCheckFailedException';
}

/** The item that failed a put's condition (asked for with `ReturnValuesOnConditionCheckFailure: ALL_OLD`). */
export function itemOfConditionFailure(error: unknown): Item | undefined {
  const item = causeOf(error)?.Item;
  return typeof item === 'object' && item !== null ? (item as Item) : undefined;
}

/**
 * The cancellation reason codes of a cancelled transaction, one per item in request order
 * (`None` for an item that passed); empty for any other error.
 */
export function cancellationReasons(error: unknown): string[] {
  const cause = causeOf(error);
  if (cause?.name !== 'TransactionCanceledException' || !Array.isArray(cause.CancellationReasons)) return [];
  return cause.CancellationReasons.map((reason: unknown) => {
    const code = (reason as { Code?: unknown } | null)?.Code;
    return typeof code === 'string' ? code : 'None';
  });
}
