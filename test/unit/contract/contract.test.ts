import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogstreamClient } from '../../../src/client/client';
import {
  CLOSE_CODES,
  ERROR_CODES,
  toCloseFrame,
  toWireError,
  type ErrorCode,
  type WireExecutionStatus,
  type WireIngestMode,
  type WireTerminalStatus,
} from '../../../src/contract';
import {
  LogstreamError,
  RequestRefusedError,
  type ExecutionStatus,
  type IngestMode,
  type TerminalStatus,
} from '../../../src/domain';
import { DependencyError } from '../../../src/ports';

// The wire's one catalogue of error codes: each code has one status and one close code, the server answers with
// them, the HTTP client reads them back into one class per failure, and docs/api.md's table is the catalogue.
const ROOT = join(__dirname, '..', '..', '..');
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

// The contract's plain wire types and the domain's types are the same sets (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameStatus: Same<WireExecutionStatus, ExecutionStatus> = true;
const sameTerminal: Same<WireTerminalStatus, TerminalStatus> = true;
const sameIngest: Same<WireIngestMode, IngestMode> = true;

/** The error table of docs/api.md, as [code, status, close, meaning] rows. */
function documentedErrors(): string[][] {
  const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const section = doc.split('\n### Errors\n')[1]?.split('\n#')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** Every source file of a folder under src/, recursively. */
function sources(folder: string): string[] {
  return readdirSync(join(ROOT, 'src', folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(ROOT, 'src', folder, file), 'utf8'));
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('the error catalogue', () => {
  test('the wire types name the domain types', () => {
    expect([sameStatus, sameTerminal, sameIngest]).toEqual([true, true, true]);
  });

  test.each(codes)('%s has one HTTP error status and one close code of the tail', (code) => {
    const entry = ERROR_CODES[code];
    expect(entry.status).toBeGreaterThanOrEqual(400);
    expect(entry.status).toBeLessThan(600);
    expect(Object.values(CLOSE_CODES)).toContain(entry.close);
    expect(entry.meaning).toMatch(/\S/);
  });

  test('docs/api.md lists every code with its status, close code and meaning, in the catalogue order', () => {
    expect(documentedErrors()).toEqual(
      codes.map((code) => [
        `\`${code}\``,
        String(ERROR_CODES[code].status),
        String(ERROR_CODES[code].close),
        ERROR_CODES[code].meaning,
      ]),
    );
  });

  test('every code the API and the tail server refuse with is in the catalogue', () => {
    const thrown = [...sources('api'), ...sources('ws')].flatMap((text) =>
      [...text.matchAll(/new RequestRefusedError\(\s*'([A-Z_]+)'/g)].map((match) => match[1]),
    );
    expect(thrown.length).toBeGreaterThan(10);
    expect(thrown.filter((code) => !(code !== undefined && code in ERROR_CODES))).toEqual([]);
  });

  test.each(codes)(
    '%s: the server answers with its status, the client reads back the code and status',
    async (code) => {
      const served = toWireError(new RequestRefusedError(code, `refused with ${code}`));
      expect(served).toEqual({
        status: ERROR_CODES[code].status,
        body: { error: { code, message: `refused with ${code}` } },
      });
      globalThis.fetch = (async () =>
        new Response(JSON.stringify(served.body), {
          status: served.status,
          headers: { 'content-type': 'application/json' },
        })) as typeof fetch;
      const client = new LogstreamClient({ url: 'http://api.invalid/' });
      const error = await client
        .getHandle('exec-1')
        .describe()
        .then(
          () => undefined,
          (failure: unknown) => failure,
        );
      expect(error).toMatchObject({ code, status: ERROR_CODES[code].status, message: `refused with ${code}` });
      const expectedClass = {
        400: 'InvalidRequestError',
        401: 'AuthenticationError',
        403: 'AuthenticationError',
        404: 'ExecutionNotFoundError',
        409: code === 'EXECUTION_EXISTS' ? 'ExecutionExistsError' : 'ExecutionConflictError',
        413: 'InvalidRequestError',
        415: 'InvalidRequestError',
        429: 'ServiceUnavailableError',
        500: 'ServiceUnavailableError',
        503: 'ServiceUnavailableError',
      }[ERROR_CODES[code].status];
      expect((error as Error).name).toBe(expectedClass);
    },
  );

  test.each(codes)('%s: a tail failing with it closes with its close code, the reason led by the code', (code) => {
    const frame = toCloseFrame(new LogstreamError(code, 'why'));
    expect(frame.code).toBe(ERROR_CODES[code].close);
    expect(frame.reason.startsWith(`${code}: `)).toBe(true);
  });

  test('a throttled dependency is 429 THROTTLED with Retry-After; unavailable stays 503', () => {
    const throttled = new DependencyError('cloudwatch', 'GetLogEvents', new Error('Rate exceeded'), true, {
      throttled: true,
    });
    expect(toWireError(throttled)).toMatchObject({
      status: 429,
      body: { error: { code: 'THROTTLED' } },
      retryAfterSeconds: 1,
    });
    const down = new DependencyError('cloudwatch', 'GetLogEvents', new Error('socket hang up'));
    expect(toWireError(down)).toEqual({
      status: 503,
      body: { error: { code: 'CLOUDWATCH_UNAVAILABLE', message: down.message } },
    });
  });

  test('anything else is a 500 INTERNAL that shows no internals; a code outside the catalogue closes with 1011', () => {
    expect(toWireError(new Error('secret detail'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
    });
    expect(toWireError(new LogstreamError('CHUNK_CONFLICT', 'secret detail')).body.error.code).toBe('INTERNAL');
    expect(toCloseFrame(new LogstreamError('CHUNK_CONFLICT', 'x'))).toEqual({
      code: 1011,
      reason: 'CHUNK_CONFLICT: x',
    });
  });
});
