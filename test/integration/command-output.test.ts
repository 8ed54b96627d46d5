import { MAX_MESSAGE_BYTES } from '../../activities/command/line-splitter';
import { MESSAGE_ESCAPE } from '../../src/domain';
import { newExecutionId, readAllLogs, waitFor, waitSealed, type Harness } from '../support/harness';
import { useStrictHarness } from '../support/strict-harness';

const E = MESSAGE_ESCAPE;
const LONG_LINE_BYTES = 300 * 1024;
const BURST = 10_000;

// Blank lines, lines of spaces and a tab, a 300 KB line, 10,000 lines in one burst, lines that start
// with the escape character, and a blank last line. CloudWatch refuses an empty message (and its
// whole call): every line must still come back exactly as printed.
const SCRIPT = [
  "printf 'first\\n\\n\\n   \\n\\t\\n\\n'",
  `head -c ${LONG_LINE_BYTES} /dev/zero | tr '\\0' L`,
  "printf '\\n'",
  `seq 1 ${BURST} | sed 's/^/burst /'`,
  `printf '\\n${E}\\n${E}${E}x\\n  \\nlast\\n\\n'`,
].join('; ');

function expectedOutput(): string[] {
  // A line longer than one CloudWatch event comes back as consecutive pieces of MAX_MESSAGE_BYTES
  // bytes (the last one shorter), as the line splitter documents.
  const pieces: string[] = [];
  for (let left = LONG_LINE_BYTES; left > 0; left -= MAX_MESSAGE_BYTES) {
    pieces.push('L'.repeat(Math.min(left, MAX_MESSAGE_BYTES)));
  }
  return [
    'first',
    '',
    '',
    '   ',
    '\t',
    '',
    ...pieces,
    ...Array.from({ length: BURST }, (_, i) => `burst ${i + 1}`),
    '',
    E,
    `${E}${E}x`,
    '  ',
    'last',
    '',
  ];
}

describe('a managed command: its output, exactly, through the strict AWS layer', () => {
  let h: Harness;
  const strict = useStrictHarness((started) => (h = started));

  test('blank lines, spaces, a 300 KB line and a 10,000-line burst: /logs returns exactly the output', async () => {
    const id = newExecutionId('output');
    await h.client.start({ command: ['sh', '-c', SCRIPT], executionId: id });
    const view = await waitSealed(h.client, id, 180_000);
    expect(view.status).toBe('SUCCEEDED');
    const { events } = await readAllLogs(h.client, id);
    const expected = expectedOutput();
    expect(events.map((e) => e.index)).toEqual(expected.map((_, i) => i + 1));
    // Compared without the long pieces first, so a mismatch prints readably.
    const isLong = (message: string): boolean => message.length > 1000;
    expect(events.map((e) => e.message).filter((m) => !isLong(m))).toEqual(expected.filter((m) => !isLong(m)));
    expect(events.map((e) => e.message)).toEqual(expected);
    expect(expected.filter(isLong).map((m) => Buffer.byteLength(m))).toEqual([
      MAX_MESSAGE_BYTES,
      LONG_LINE_BYTES - MAX_MESSAGE_BYTES,
    ]);
  });

  test('an event CloudWatch refuses is replaced by a notice; every other line is stored, in order', async () => {
    // Tighten the event limit so that an ordinary long line is refused, as an oversized event would be.
    await strict.setRules({ putLogEvents: { maxEventBytes: 2000 } });
    const id = newExecutionId('refused');
    await h.client.start({
      command: ['sh', '-c', "echo before; head -c 5000 /dev/zero | tr '\\0' x; echo; echo after"],
      executionId: id,
    });
    const sealed = await waitSealed(h.client, id, 120_000);
    // The refused line is reported in the execution's record as well as replaced in its log.
    expect(sealed.rejectedEvents).toBe(1);
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.message)).toEqual([
      'before',
      expect.stringMatching(/^logstream: line 2 rejected by CloudWatch: .+/),
      'after',
    ]);
  });

  test('CloudWatch down mid-job: the job still succeeds and every line arrives once', async () => {
    const id = newExecutionId('outage');
    await strict.resetStats();
    await strict.fault({ service: 'logs', kind: 'outage', operations: ['PutLogEvents'] });
    await h.client.start({ command: ['sh', '-c', 'for i in $(seq 1 200); do echo "line $i"; done'], executionId: id });
    // The outage lasts until the runner has been refused several times (a state, not a duration).
    await waitFor('PutLogEvents refused during the outage', async () => {
      const stats = await strict.stats();
      return (stats.operations['logs:PutLogEvents']?.faulted ?? 0) >= 3 ? true : undefined;
    });
    await strict.clearFaults();
    const view = await waitSealed(h.client, id, 120_000);
    expect(view.status).toBe('SUCCEEDED');
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i + 1}`));
  });
});
