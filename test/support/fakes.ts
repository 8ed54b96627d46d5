// In-memory LogStore and LogSource for unit tests: the contracts of src/ports, with the semantics of the
// DynamoDB and CloudWatch adapters, plus failure injection and call counting. No network, no SDK calls.
export { jitter, seededRandom } from './fake-failures';
export * from './fake-log-store';
export * from './fake-log-source';
export { fakeCloudWatchClient } from './fake-cloudwatch-client';
export { awsError, MAX_PUT_MESSAGE_BYTES, StreamNotFoundError } from './fake-put-rules';
