/**
 * Under the delivery model a subscription filter's Kinesis destination is replaced by a staging stream the layer
 * owns: the emulator delivers there at once, and the layer delivers on to the real destination as AWS would.
 */
export const STAGING_SUFFIX = '-strict-staging';

const KINESIS_STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[^:]+:\d{12}:stream\/[^/]+$/;

/** True for the ARN of a Kinesis stream (a subscription destination the model takes over). */
export function isKinesisStreamArn(arn: unknown): arn is string {
  return typeof arn === 'string' && KINESIS_STREAM_ARN.test(arn);
}

/** The staging stream's ARN for a destination stream's. */
export function stagingArnOf(destinationArn: string): string {
  return `${destinationArn}${STAGING_SUFFIX}`;
}

/** The destination a staging stream stands for, or `arn` itself when it is not a staging stream. */
export function destinationArnOf(arn: string): string {
  return arn.endsWith(STAGING_SUFFIX) ? arn.slice(0, -STAGING_SUFFIX.length) : arn;
}

/** The stream name in a stream ARN. */
export function streamNameOf(arn: string): string {
  return arn.slice(arn.indexOf(':stream/') + ':stream/'.length);
}
