import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../../../scripts/config-doc';
import { loadConfig } from '../../../src/config';
import { SETTINGS, type SettingDoc } from '../../../src/config-schema';

const ROOT = join(__dirname, '..', '..', '..');
const declared: readonly SettingDoc[] = Object.values(SETTINGS);

/** The variables `loadConfig(env)` looks up. */
function variablesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key);
    },
  });
  loadConfig(recording);
  return read;
}

describe('the configuration schema and its documentation', () => {
  test('docs/configuration.md is what the schema generates (run `npm run docs:config` after changing it)', () => {
    expect(readFileSync(join(ROOT, CONFIGURATION_DOC), 'utf8')).toBe(renderConfigurationDoc());
  });

  test('the documentation has a row for every declared setting, under its section', () => {
    const doc = renderConfigurationDoc();
    for (const setting of declared) expect(doc).toContain(`| \`${setting.name}\` |`);
    expect(doc).toMatch(/## Temporal\n[\s\S]*\| `TEMPORAL_ADDRESS` \| `127\.0\.0\.1:7233` \|/);
    expect(doc).toMatch(/\| `LOGSTREAM_SETTLE_MS` \| `2000` on the emulator, `30000` on AWS \| 0–3600000 \|/);
  });

  test('each setting is declared under its own name, once', () => {
    for (const [key, setting] of Object.entries(SETTINGS)) expect(setting.name.replace(/\*$/, '')).toBe(key);
    expect(new Set(declared.map((s) => s.name)).size).toBe(declared.length);
  });

  test('loadConfig reads only declared variables, and every declared one the processes read', () => {
    const names = new Set(declared.map((s) => s.name));
    // Both the local defaults and a real-AWS setup, so that every branch's variables are looked up.
    const read = new Set([
      ...variablesRead({}),
      ...variablesRead({
        LOGSTREAM_AWS: 'real',
        TEMPORAL_ADDRESS: 'temporal.example:7233',
        LOGSTREAM_LOCAL_STACK: '0',
      }),
    ]);
    expect([...read].filter((name) => !names.has(name))).toEqual([]);
    const processSettings = declared.filter((s) => 'read' in s && s.section !== 'cli' && s.section !== 'development');
    expect(processSettings.map((s) => s.name).filter((name) => !read.has(name))).toEqual([]);
  });

  test('a declared range is the one enforced', () => {
    expect(() => loadConfig({ LOGSTREAM_PORT: '65536' })).toThrow('LOGSTREAM_PORT: must be between 0 and 65535');
    expect(SETTINGS.LOGSTREAM_PORT.range).toBe('0–65535');
    expect(SETTINGS.LOGSTREAM_KINESIS_SHARDS.read({ LOGSTREAM_KINESIS_SHARDS: '500' })).toBe(500);
    expect(() => SETTINGS.LOGSTREAM_KINESIS_SHARDS.read({ LOGSTREAM_KINESIS_SHARDS: '501' })).toThrow(
      'LOGSTREAM_KINESIS_SHARDS: must be between 1 and 500',
    );
  });
});
