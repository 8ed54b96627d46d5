import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTemporalSettings, temporalConnectionOptions } from '../../../../src/adapters/temporal/connection-options';
import { loadConfig } from '../../../../src/config';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'logstream-temporal-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a temporal.toml and returns an environment pointing at it (no user config file is read). */
function withToml(toml: string, env: Record<string, string> = {}): Record<string, string> {
  const file = path.join(dir, `temporal-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  return { TEMPORAL_CONFIG_FILE: file, ...env };
}

/** An environment with no config file at all. */
const NO_FILE = { TEMPORAL_CONFIG_FILE: path.join(tmpdir(), 'logstream-no-such-dir', 'temporal.toml') };

function invalid(env: Record<string, string>): { code: string; variable: string; message: string } {
  try {
    loadTemporalSettings(env);
  } catch (error) {
    const e = error as { code: string; variable: string; message: string };
    return { code: e.code, variable: e.variable, message: e.message };
  }
  throw new Error('expected the settings to be refused');
}

describe('Temporal connection settings (envconfig)', () => {
  test('with nothing set: the local dev server, namespace default, plain connection', () => {
    const settings = loadTemporalSettings(NO_FILE);
    expect(settings).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(temporalConnectionOptions(settings)).toEqual({ address: '127.0.0.1:7233' });
  });

  test('a Temporal Cloud configuration from the environment: API key, TLS on by default, namespace', () => {
    const settings = loadTemporalSettings({
      ...NO_FILE,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'logstream-prod.a1b2c',
      TEMPORAL_API_KEY: 'eyJhbGciOiJFUzI1NiJ9.payload.signature',
    });
    expect(settings).toMatchObject({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      namespace: 'logstream-prod.a1b2c',
      apiKey: 'eyJhbGciOiJFUzI1NiJ9.payload.signature',
      tls: true,
    });
    expect(temporalConnectionOptions(settings)).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'eyJhbGciOiJFUzI1NiJ9.payload.signature',
      tls: true,
    });
  });

  test('a Temporal Cloud profile in temporal.toml (API key, TLS), chosen with TEMPORAL_PROFILE; the API and Config agree', () => {
    const env = withToml(
      [
        '[profile.default]',
        'address = "localhost:7233"',
        '',
        '[profile.cloud]',
        'address = "logstream-prod.a1b2c.tmprl.cloud:7233"',
        'namespace = "logstream-prod.a1b2c"',
        'api_key = "cloud-api-key-0123456789"',
        '[profile.cloud.tls]',
        'server_name = "logstream-prod.a1b2c.tmprl.cloud"',
        '[profile.cloud.grpc_meta]',
        'temporal-namespace = "logstream-prod.a1b2c"',
      ].join('\n'),
      // A standalone worker or API (`npm start` without its local stack).
      { TEMPORAL_PROFILE: 'cloud', LOGSTREAM_LOCAL_STACK: '0' },
    );
    const settings = loadTemporalSettings(env);
    expect(settings).toMatchObject({
      address: 'logstream-prod.a1b2c.tmprl.cloud:7233',
      namespace: 'logstream-prod.a1b2c',
      apiKey: 'cloud-api-key-0123456789',
      tls: { serverNameOverride: 'logstream-prod.a1b2c.tmprl.cloud' },
      metadata: { 'temporal-namespace': 'logstream-prod.a1b2c' },
      profile: 'cloud',
    });
    const config = loadConfig(env);
    expect(config.temporalAddress).toBe('logstream-prod.a1b2c.tmprl.cloud:7233');
    expect(config.temporalNamespace).toBe('logstream-prod.a1b2c');
    expect(temporalConnectionOptions(config.temporal, config.temporalAddress)).toMatchObject({
      address: 'logstream-prod.a1b2c.tmprl.cloud:7233',
      apiKey: 'cloud-api-key-0123456789',
      tls: { serverNameOverride: 'logstream-prod.a1b2c.tmprl.cloud' },
    });
  });

  test("npm start's own local stack reads no profile, API key or TLS: they do not turn it away from its dev server", () => {
    const env = withToml(
      '[profile.default]\naddress = "ns.a1b2c.tmprl.cloud:7233"\napi_key = "cloud-api-key-0123456789"\n',
      {
        TEMPORAL_API_KEY: 'cloud-api-key-0123456789',
      },
    );
    expect(loadTemporalSettings(env)).toMatchObject({ address: 'ns.a1b2c.tmprl.cloud:7233', tls: true });
    const config = loadConfig(env);
    expect(config.localStack).toBe(true);
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(config.temporalAddress).toBe('127.0.0.1:7233');
  });

  test('the environment overrides the profile', () => {
    const env = withToml('[profile.default]\naddress = "from-file:7233"\nnamespace = "file-ns"\n', {
      TEMPORAL_ADDRESS: 'from-env:7233',
    });
    expect(loadTemporalSettings(env)).toMatchObject({ address: 'from-env:7233', namespace: 'file-ns' });
  });

  test('mTLS: the client certificate pair is read from the paths', () => {
    const crt = path.join(dir, 'client.pem');
    const key = path.join(dir, 'client.key');
    writeFileSync(crt, 'CERT');
    writeFileSync(key, 'KEY');
    const settings = loadTemporalSettings({
      ...NO_FILE,
      TEMPORAL_ADDRESS: 'ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: crt,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    });
    const tls = settings.tls as { clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair?.crt ?? []).toString()).toBe('CERT');
    expect(Buffer.from(tls.clientCertPair?.key ?? []).toString()).toBe('KEY');
  });

  test.each([
    [{ TEMPORAL_ADDRESS: 'no-port' }, 'TEMPORAL_ADDRESS'],
    [{ TEMPORAL_ADDRESS: 'host:99999' }, 'TEMPORAL_ADDRESS'],
    [{ TEMPORAL_NAMESPACE: 'bad namespace' }, 'TEMPORAL_NAMESPACE'],
    [{ TEMPORAL_API_KEY: 'has a space' }, 'TEMPORAL_API_KEY'],
    [{ TEMPORAL_API_KEY: 'cloud-api-key-0123456789', TEMPORAL_TLS: '0' }, 'TEMPORAL_TLS'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem' }, 'TEMPORAL_TLS_CLIENT_CERT_PATH'],
    [
      {
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/client.key',
      },
      'TEMPORAL_TLS',
    ],
    [{ TEMPORAL_PROFILE: 'missing' }, 'TEMPORAL_PROFILE'],
  ])('%j is refused with one line naming %s', (env, variable) => {
    const error = invalid({ ...NO_FILE, ...env });
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  test('a malformed temporal.toml is refused naming TEMPORAL_CONFIG_FILE', () => {
    const error = invalid(withToml('[profile.default\naddress = '));
    expect(error.variable).toBe('TEMPORAL_CONFIG_FILE');
    expect(error.message).not.toContain('\n');
  });

  test('loadConfig reports a bad Temporal setting as a ConfigError naming the variable', () => {
    expect(() =>
      loadConfig({ ...NO_FILE, LOGSTREAM_LOCAL_STACK: '0', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }),
    ).toThrow(expect.objectContaining({ name: 'ConfigError', variable: 'TEMPORAL_TLS' }));
  });
});
