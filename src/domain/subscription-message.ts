/** One log event as a CloudWatch subscription delivers it. */
export interface SubscriptionEvent {
  /** CloudWatch's event id (a string on AWS; the emulator sends integers, normalised to strings). */
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

/**
 * The decoded payload of one Kinesis record written by a CloudWatch Logs subscription filter: a
 * `DATA_MESSAGE` carries events of one log stream in that stream's order; a `CONTROL_MESSAGE` is
 * CloudWatch checking that it can write to the destination, and carries nothing to store.
 */
export type SubscriptionMessage =
  | {
      readonly messageType: 'DATA_MESSAGE';
      readonly logGroup: string;
      readonly logStream: string;
      readonly logEvents: readonly SubscriptionEvent[];
    }
  | { readonly messageType: 'CONTROL_MESSAGE' };
