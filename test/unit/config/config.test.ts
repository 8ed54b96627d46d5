import { loadConfig } from '../../../src/config';

function thrown(fn: () => unknown): { code?: unknown; variable?: unknown; message?: unknown; name?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a throw');
}

/** Asserts loading `env` fails with INVALID_CONFIG naming `variable` in the message. */
function expectInvalid(env: Record<string, string>, variable: string): void {
  const error = thrown(() => loadConfig(env));
  expect(error.code).toBe('INVALID_CONFIG');
  expect(error.name).toBe('ConfigError');
  expect(error.variable).toBe(variable);
  expect(String(error.message)).toContain(variable);
}

describe('loadConfig', () => {
  test('defaults describe the local setup of DESIGN.md', () => {
    expect(loadConfig({})).toMatchObject({
      apiUrl: 'http://127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      apiKeys: [],
      demo: true,
      table: 'logstream-execution-logs',
      logGroup: '/logstream/executions',
      emulatorPort: 4566,
      temporalUiPort: 8233,
      temporalAddress: '127.0.0.1:7233',
      temporalNamespace: 'default',
      taskQueue: 'logstream',
      awsEndpoint: 'http://127.0.0.1:4566',
      awsRegion: 'us-east-1',
      localAws: true,
      ttlDays: 7,
      heartbeatTimeoutMs: 20_000,
      commandHeartbeatTimeoutMs: 120_000,
    });
  });

  test('does not read process.env when given an environment', () => {
    // The test run's global setup puts a real TEMPORAL_ADDRESS and AWS_ENDPOINT_URL in process.env.
    expect(loadConfig({}).temporalAddress).toBe('127.0.0.1:7233');
  });

  test('the emulator port moves the default AWS endpoint', () => {
    expect(loadConfig({ LOGSTREAM_EMULATOR_PORT: '5000' }).awsEndpoint).toBe('http://127.0.0.1:5000');
  });

  test('AWS credentials or a profile in the shell keep the embedded stack', () => {
    const config = loadConfig({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_PROFILE: 'someone' });
    expect(config).toMatchObject({
      aws: 'local',
      awsEndpoint: 'http://127.0.0.1:4566',
      localAws: true,
      localStack: true,
    });
  });

  test('LOGSTREAM_AWS=real chooses real AWS: the SDK endpoint and credential chain, no local stack', () => {
    const config = loadConfig({ LOGSTREAM_AWS: 'real', AWS_REGION: 'eu-west-1' });
    expect(config).toMatchObject({ aws: 'real', awsEndpoint: undefined, localAws: false, localStack: false });
    expect(config.settleMs).toBe(30_000);
    const endpoint = loadConfig({ LOGSTREAM_AWS: 'real', AWS_ENDPOINT_URL: 'https://vpce.example.com' });
    expect(endpoint).toMatchObject({ awsEndpoint: 'https://vpce.example.com', localAws: false });
  });

  test('an explicit AWS_ENDPOINT_URL or TEMPORAL_ADDRESS turns the auto local stack off; LOGSTREAM_LOCAL_STACK forces it', () => {
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4567' }).localStack).toBe(false);
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).localStack).toBe(false);
    expect(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7234', LOGSTREAM_LOCAL_STACK: '1' }).localStack).toBe(true);
    expect(loadConfig({ LOGSTREAM_LOCAL_STACK: '0' })).toMatchObject({
      localStack: false,
      awsEndpoint: 'http://127.0.0.1:4566',
    });
  });

  test('LOGSTREAM_AWS=real with LOGSTREAM_LOCAL_STACK=1 is refused', () => {
    expectInvalid({ LOGSTREAM_AWS: 'real', LOGSTREAM_LOCAL_STACK: '1' }, 'LOGSTREAM_AWS');
  });

  test('LOGSTREAM_LOG_FILE sends the process logs to a file', () => {
    expect(loadConfig({}).logFile).toBeUndefined();
    expect(loadConfig({ LOGSTREAM_LOG_FILE: '/var/log/logstream.log' }).logFile).toBe('/var/log/logstream.log');
  });

  test('a remote endpoint is not local, and waits longer for CloudWatch to settle', () => {
    const remote = loadConfig({ AWS_ENDPOINT_URL: 'https://logs.eu-west-1.amazonaws.com' });
    const local = loadConfig({});
    expect(remote.localAws).toBe(false);
    expect(remote.settleMs).toBeGreaterThan(local.settleMs);
  });

  test('reads a port, a host and a Temporal address', () => {
    const config = loadConfig({
      LOGSTREAM_PORT: '9090',
      LOGSTREAM_HOST: '0.0.0.0',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
    });
    expect(config).toMatchObject({ port: 9090, host: '0.0.0.0', temporalAddress: 'temporal.internal:7233' });
    expect(config.apiUrl).toBe('http://127.0.0.1:9090');
  });

  test('splits API keys on commas, trimming and skipping empty entries', () => {
    const keys = ['k'.repeat(16), 'another-key-0123456789'];
    expect(loadConfig({ LOGSTREAM_API_KEYS: ` ${keys[0]} ,, ${keys[1]},` }).apiKeys).toEqual(keys);
  });

  test('LOGSTREAM_TICKET_SECRET: unset by default, kept as given', () => {
    expect(loadConfig({}).ticketSecret).toBeUndefined();
    const secret = 's'.repeat(32);
    expect(loadConfig({ LOGSTREAM_TICKET_SECRET: secret }).ticketSecret).toBe(secret);
  });

  test.each(['s'.repeat(31), ` ${'s'.repeat(40)}`])(
    'a short or padded LOGSTREAM_TICKET_SECRET %j is refused',
    (secret) => {
      expectInvalid({ LOGSTREAM_TICKET_SECRET: secret }, 'LOGSTREAM_TICKET_SECRET');
    },
  );

  test('a LOGSTREAM_TICKET_SECRET equal to an API key is refused, without printing either', () => {
    const key = 'same-value-as-a-key-0123456789abcdef';
    const error = thrown(() => loadConfig({ LOGSTREAM_API_KEYS: key, LOGSTREAM_TICKET_SECRET: key }));
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', variable: 'LOGSTREAM_TICKET_SECRET' });
    expect(String(error.message)).not.toContain(key);
  });

  test('LOGSTREAM_PROVISION: on by default, 0 leaves the resources to a deployment', () => {
    expect(loadConfig({}).provision).toBe(true);
    expect(loadConfig({ LOGSTREAM_PROVISION: '0' }).provision).toBe(false);
    expectInvalid({ LOGSTREAM_PROVISION: 'maybe' }, 'LOGSTREAM_PROVISION');
  });

  test('LOGSTREAM_URL loses its trailing slashes', () => {
    expect(loadConfig({ LOGSTREAM_URL: 'https://logs.example.com/' }).apiUrl).toBe('https://logs.example.com');
  });

  test.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['no', false],
  ])('LOGSTREAM_DEMO=%s → %s', (raw, demo) => {
    expect(loadConfig({ LOGSTREAM_DEMO: raw }).demo).toBe(demo);
  });

  test.each(['abc', '-1', '8080x', '1.5', '65536', '99999999999999999999', ' 80'])('bad LOGSTREAM_PORT %j', (port) => {
    expectInvalid({ LOGSTREAM_PORT: port }, 'LOGSTREAM_PORT');
  });

  test.each(['localhost', 'host:port', 'a b:7233', ':7233', 'host:', 'host:123456', 'http://host:7233'])(
    'bad TEMPORAL_ADDRESS %j',
    (address) => {
      expectInvalid({ TEMPORAL_ADDRESS: address }, 'TEMPORAL_ADDRESS');
    },
  );

  // The pattern checks at most 5 digits but not the range: port 99999 is accepted and fails only at connect.
  test('TEMPORAL_ADDRESS with a port beyond 65535 is refused', () => {
    expectInvalid({ TEMPORAL_ADDRESS: '127.0.0.1:99999' }, 'TEMPORAL_ADDRESS');
  });

  test.each(['short', `${'k'.repeat(16)},tiny`, 'k'.repeat(15)])('short API key in %j', (keys) => {
    expectInvalid({ LOGSTREAM_API_KEYS: keys }, 'LOGSTREAM_API_KEYS');
  });

  test('never puts a key in the error message', () => {
    const error = thrown(() => loadConfig({ LOGSTREAM_API_KEYS: 'secret-short' }));
    expect(String(error.message)).not.toContain('secret-short');
  });

  test('push ingest settings: defaults on the emulator', () => {
    expect(loadConfig({})).toMatchObject({
      ingest: 'auto',
      kinesisStream: 'logstream-log-events',
      kinesisShards: 1,
      subscriptionRoleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
      forwarder: true,
      workerMaxActivities: 1000,
    });
  });

  test('push ingest settings are read from the environment', () => {
    const role = 'arn:aws:iam::210987654321:role/service-role/logstream-cwl-to-kinesis';
    const config = loadConfig({
      LOGSTREAM_INGEST: 'poll',
      LOGSTREAM_KINESIS_STREAM: 'my.log-events_2',
      LOGSTREAM_KINESIS_SHARDS: '4',
      LOGSTREAM_SUBSCRIPTION_ROLE_ARN: role,
      LOGSTREAM_FORWARDER: '0',
      LOGSTREAM_WORKER_MAX_ACTIVITIES: '50',
    });
    expect(config).toMatchObject({
      ingest: 'poll',
      kinesisStream: 'my.log-events_2',
      kinesisShards: 4,
      subscriptionRoleArn: role,
      forwarder: false,
      workerMaxActivities: 50,
    });
    expect(loadConfig({ LOGSTREAM_INGEST: 'push' }).ingest).toBe('push');
    const china = 'arn:aws-cn:iam::123456789012:role/logstream';
    expect(loadConfig({ LOGSTREAM_SUBSCRIPTION_ROLE_ARN: china }).subscriptionRoleArn).toBe(china);
  });

  test('real AWS has no subscription role until one is given (no dummy leaves the emulator)', () => {
    expect(loadConfig({ LOGSTREAM_AWS: 'real' }).subscriptionRoleArn).toBeUndefined();
    expect(
      loadConfig({ AWS_ENDPOINT_URL: 'https://logs.eu-west-1.amazonaws.com' }).subscriptionRoleArn,
    ).toBeUndefined();
  });

  test.each([
    ['LOGSTREAM_INGEST', 'kinesis'],
    ['LOGSTREAM_INGEST', 'PUSH'],
    ['LOGSTREAM_KINESIS_STREAM', 'has space'],
    ['LOGSTREAM_KINESIS_STREAM', 'a:b'],
    ['LOGSTREAM_KINESIS_STREAM', 's'.repeat(129)],
    ['LOGSTREAM_KINESIS_SHARDS', '0'],
    ['LOGSTREAM_KINESIS_SHARDS', '501'],
    ['LOGSTREAM_KINESIS_SHARDS', 'two'],
    ['LOGSTREAM_KINESIS_SHARDS', 'ondemand'],
    ['LOGSTREAM_SUBSCRIPTION_ROLE_ARN', 'logstream-role'],
    ['LOGSTREAM_SUBSCRIPTION_ROLE_ARN', 'arn:aws:iam::12345:role/x'],
    ['LOGSTREAM_SUBSCRIPTION_ROLE_ARN', 'arn:aws:iam::123456789012:user/x'],
    ['LOGSTREAM_SUBSCRIPTION_ROLE_ARN', 'arn:aws:kinesis:us-east-1:123456789012:stream/x'],
    ['LOGSTREAM_FORWARDER', 'on'],
    ['LOGSTREAM_WORKER_MAX_ACTIVITIES', '0'],
    ['LOGSTREAM_WORKER_MAX_ACTIVITIES', '-5'],
  ])('bad push setting %s=%j', (variable, value) => {
    expectInvalid({ [variable]: value }, variable);
  });

  test.each([
    ['LOGSTREAM_DEMO', 'maybe'],
    ['LOGSTREAM_EMULATOR_PORT', '0'],
    ['AWS_ENDPOINT_URL', 'ftp://example.com'],
    ['LOGSTREAM_URL', 'localhost:8080'],
    ['LOGSTREAM_TABLE', 'x'],
    ['LOGSTREAM_LOG_GROUP', 'bad group'],
    ['AWS_REGION', 'US EAST'],
    ['LOGSTREAM_TTL_DAYS', '0'],
    ['LOGSTREAM_UNSEALED_TTL_DAYS', '0'],
    ['LOGSTREAM_PUSH_HOLD_MS', '-1'],
    ['LOGSTREAM_PUSH_HOLD_MS', '600001'],
    ['LOGSTREAM_UNSEALED_TTL_DAYS', 'a month'],
    ['LOGSTREAM_AWS', 'aws'],
    ['LOGSTREAM_LOCAL_STACK', 'maybe'],
  ])('bad %s', (variable, value) => {
    expectInvalid({ [variable]: value }, variable);
  });

  test('unsealed items must outlive the longest run by a day', () => {
    expect(loadConfig({}).unsealedTtlDays).toBe(30);
    // The stream is created on-demand on AWS, with one shard on the emulator.
    expect([loadConfig({}).kinesisShards, loadConfig({ LOGSTREAM_AWS: 'real' }).kinesisShards]).toEqual([
      1,
      'on-demand',
    ]);
    expect(loadConfig({ LOGSTREAM_KINESIS_SHARDS: 'on-demand' }).kinesisShards).toBe('on-demand');
    // Lines nobody waits for are held 20 s on AWS, 1 s on the emulator.
    expect([loadConfig({}).pushHoldMs, loadConfig({ LOGSTREAM_AWS: 'real' }).pushHoldMs]).toEqual([1000, 20_000]);
    expect(loadConfig({ LOGSTREAM_MAX_RUN_HOURS: '48', LOGSTREAM_UNSEALED_TTL_DAYS: '3' }).unsealedTtlDays).toBe(3);
    expectInvalid({ LOGSTREAM_MAX_RUN_HOURS: '48', LOGSTREAM_UNSEALED_TTL_DAYS: '2' }, 'LOGSTREAM_UNSEALED_TTL_DAYS');
  });
});
