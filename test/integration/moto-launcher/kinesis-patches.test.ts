import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, toolchainPaths } from '../../../src/devstack/toolchain';

// The emulator's launcher patches the pinned moto's internals (see its `__main__.py`). Loading it must apply
// every patch, and a moto without one of the patched functions must stop it at once, saying which.

const launcher = path.join(repoRoot(), 'src', 'devstack', 'moto_launcher');

/** Runs `setup` in the toolchain's Python, then loads the launcher without starting the server. */
function load(setup: string, after = ''): { status: number | null; stdout: string; stderr: string } {
  const script = [setup, 'import runpy', `runpy.run_path(${JSON.stringify(launcher)}, run_name="launcher")`, after]
    .filter((line) => line !== '')
    .join('\n');
  const result = spawnSync(toolchainPaths().python, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('loading the launcher patches delivery, shard choice, resharding and GetRecords', () => {
  const check = [
    'import moto.kinesis.models as k, moto.kinesis.responses as r, moto.logs.models as l',
    'patched = [k.KinesisBackend.send_log_event, k.Stream.get_shard_for_key, k.Stream.split_shard,',
    '  k.Stream.merge_shards, k.Shard.get_records, r.KinesisResponse.get_records, l.LogGroup.put_subscription_filter,',
    '  l.LogsBackend.put_subscription_filter, k.KinesisBackend.put_record, l.LogStream.put_log_events]',
    'print(sum(1 for f in patched if hasattr(f, "__wrapped__")))',
  ].join('\n');
  const result = load('', check);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe('10');
});

test.each([
  ['moto.kinesis.models', 'KinesisBackend', 'send_log_event'],
  ['moto.kinesis.models', 'Stream', 'split_shard'],
  ['moto.kinesis.responses', 'KinesisResponse', 'get_records'],
  ['moto.logs.models', 'LogGroup', 'put_subscription_filter'],
  ['moto.logs.models', 'LogStream', 'put_log_events'],
])('a moto without %s.%s.%s stops the launcher, naming it', (module, owner, name) => {
  const result = load(`import ${module} as m\ndel m.${owner}.${name}`);
  expect(result.status).toBe(3);
  expect(result.stderr).toContain(`has no ${owner}.${name}`);
});
