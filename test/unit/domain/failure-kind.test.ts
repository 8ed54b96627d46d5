import { CancelledFailure } from '@temporalio/common';
import { failureCode, failureKind, isRetryableFailure } from '../../../src/domain';
import { DependencyError } from '../../../src/ports';

describe('failureKind', () => {
  test.each([
    ['a throttled dependency error', 'throttled', { code: 'CLOUDWATCH_UNAVAILABLE', retryable: true, throttled: true }],
    ['a retryable dependency error', 'transient', { code: 'DYNAMODB_UNAVAILABLE', retryable: true, throttled: false }],
    ['a lost append race', 'transient', { code: 'CHUNK_CONFLICT' }],
    ['a validation error', 'permanent', { code: 'CLOUDWATCH_UNAVAILABLE', retryable: false, throttled: false }],
    ['the seal', 'permanent', { code: 'LOG_SEALED', retryable: false }],
    ['a malformed stored chunk', 'permanent', new TypeError('cursor: expected {streams}')],
    ['nothing at all', 'permanent', undefined],
    ['a cancellation of the activity', 'cancelled', new CancelledFailure('CANCELLED')],
    ['a worker shutdown', 'cancelled', new CancelledFailure('WORKER_SHUTDOWN')],
  ])('%s is %s', (_label, kind, error) => {
    expect(failureKind(error)).toBe(kind);
  });

  test('reads what DependencyError carries: throttled, or retryable, or neither', () => {
    const cause = new Error('boom');
    expect(failureKind(new DependencyError('cloudwatch', 'GetLogEvents', cause, true, { throttled: true }))).toBe(
      'throttled',
    );
    expect(failureKind(new DependencyError('dynamodb', 'PutItem', cause, true))).toBe('transient');
    expect(failureKind(new DependencyError('kinesis', 'GetRecords', cause, false))).toBe('permanent');
  });

  test('only throttled and transient failures are worth another try', () => {
    expect(['throttled', 'transient', 'permanent', 'cancelled'].filter((k) => isRetryableFailure(k as never))).toEqual([
      'throttled',
      'transient',
    ]);
  });
});

describe('failureCode', () => {
  test('prefers the AWS code, then the code, then the name', () => {
    expect(failureCode({ awsCode: 'ResourceNotFoundException', code: 'KINESIS_UNAVAILABLE' })).toBe(
      'ResourceNotFoundException',
    );
    expect(failureCode({ code: 'LOG_SEALED', name: 'LogSealedError' })).toBe('LOG_SEALED');
    expect(failureCode(new TypeError('x'))).toBe('TypeError');
    expect(failureCode(undefined)).toBe('Error');
  });
});
