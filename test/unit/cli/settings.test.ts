import { execFile } from 'node:child_process';
import { CLI_BIN } from '../../support/cli-process';

// The CLI reads LOGSTREAM_URL and LOGSTREAM_API_KEYS through the configuration's schema: validated as the API
// validates them, and refused with a usage exit before any request. The CLI runs as a process, as users run it (from
// its sources through tsx); no server is involved.
function cli(env: Record<string, string>, ...argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', CLI_BIN, ...argv],
      { env: { PATH: process.env.PATH, ...env } },
      (_e, _out, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('the CLI reads its settings through the configuration schema', () => {
  test('a LOGSTREAM_URL that is not an http(s) URL is a usage error naming the variable', async () => {
    expect(await cli({ LOGSTREAM_URL: 'ftp://example.com' }, 'status', 'some-id')).toEqual({
      code: 2,
      stderr: 'logstream: error: LOGSTREAM_URL: must be an http(s) URL\n',
    });
  });

  test('a key shorter than the API accepts is a usage error naming LOGSTREAM_API_KEYS', async () => {
    expect(await cli({ LOGSTREAM_API_KEYS: 'short' }, 'list')).toEqual({
      code: 2,
      stderr: 'logstream: error: LOGSTREAM_API_KEYS: each key needs 16 characters or more\n',
    });
  });

  test('--url and --api-key win over the environment, which is then not read', async () => {
    const env = { LOGSTREAM_URL: 'ftp://example.com', LOGSTREAM_API_KEYS: 'short' };
    const { code, stderr } = await cli(env, '--url', 'http://127.0.0.1:1', '--api-key', 'k'.repeat(16), 'status', 'x');
    // Nothing listens on port 1: the request was made, to the URL given.
    expect(stderr).toMatch(/^logstream: cannot reach http:\/\/127\.0\.0\.1:1\b/);
    expect(code).toBe(3);
  });
});
