import { LogstreamError } from '../domain';

/** Provisioning an AWS resource failed in a way a person must fix; the message says what and how. */
export class ProvisionError extends LogstreamError {
  constructor(
    readonly resource: string,
    message: string,
    cause?: unknown,
  ) {
    super('PROVISION_FAILED', `${resource}: ${message}`, { cause });
  }
}
