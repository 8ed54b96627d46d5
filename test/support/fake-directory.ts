import type { ExecutionInfo } from '../../src/domain';
import type { ExecutionDirectory } from '../../src/ports';

/** A directory that knows only `infos` (describe answers them; starting, completing or stopping is refused). */
export function fixedDirectory(infos: readonly ExecutionInfo[]): ExecutionDirectory {
  const refuse = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    start: refuse,
    describe: async (id) => infos.find((info) => info.executionId === id),
    list: refuse,
    complete: refuse,
    stop: refuse,
    ping: async () => undefined,
  };
}
