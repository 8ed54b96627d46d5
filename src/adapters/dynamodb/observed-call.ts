import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CallObserver } from '../../ports';
import { toDependencyError } from '../aws-errors';
import { cancellationReasons, isConditionFailure } from './condition-failures';

/** Sends one DynamoDB call, reports it to `observe`, and wraps its failure as a `DependencyError`. */
export async function observedCall<T>(observe: CallObserver, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    const result = await send();
    observe('dynamodb', operation, true);
    return result;
  } catch (error) {
    const wrapped = toDependencyError('dynamodb', operation, error);
    // A failed condition is an answer, not a failing dependency.
    observe('dynamodb', operation, isConditionFailure(wrapped) || cancellationReasons(wrapped).length > 0);
    throw wrapped;
  }
}

/** A table and how an adapter sends its calls to it (through `observedCall`), for helpers shared by the adapters. */
export interface TableTarget {
  readonly client: DynamoDBClient;
  readonly table: string;
  call<T>(operation: string, send: () => Promise<T>): Promise<T>;
}
