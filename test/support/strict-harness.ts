// The set-up shared by the tests that tighten the strict AWS layer: a harness for the describe block,
// and the layer's rules and faults back to their defaults after every test.
import { startHarness, type Harness } from './harness';
import { strictAws, type StrictAwsControl } from './strict-aws';

/**
 * Starts a harness before the tests of the enclosing describe block (handed to `started`), stops it
 * after them, and resets the strict layer's rules and faults after each test. Returns the layer's control.
 */
export function useStrictHarness(
  started: (h: Harness) => void,
  options: Parameters<typeof startHarness>[0] = {},
): StrictAwsControl {
  const strict = strictAws();
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(options);
    started(harness);
  });
  afterAll(async () => {
    await harness?.stop();
  });
  afterEach(async () => {
    await strict.resetRules();
    await strict.clearFaults();
  });
  return strict;
}
