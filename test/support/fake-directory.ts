import { InvalidInputError, type ExecutionInfo } from '../../src/domain';
import type { ExecutionDirectory } from '../../src/ports';

/**
 * A directory that knows only `infos`, newest first: describe answers them, list pages them (its tokens are opaque
 * offsets, and one it did not give is refused as the real directory refuses it); starting, completing or stopping is
 * refused.
 */
export function fixedDirectory(infos: readonly ExecutionInfo[]): ExecutionDirectory {
  const refuse = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    start: refuse,
    describe: async (id) => infos.find((info) => info.executionId === id),
    list: async ({ status, pageSize, pageToken }) => {
      const matching = infos.filter((info) => status === undefined || info.status === status);
      const offset = pageToken === undefined ? 0 : Number(Buffer.from(pageToken, 'base64url').toString());
      if (pageToken !== undefined && !(Number.isInteger(offset) && offset > 0 && offset < matching.length)) {
        throw new InvalidInputError('page_token', 'page_token is not a next_page_token this directory gave');
      }
      const end = offset + pageSize;
      return {
        executions: matching.slice(offset, end),
        nextPageToken: end < matching.length ? Buffer.from(String(end)).toString('base64url') : undefined,
      };
    },
    complete: refuse,
    stop: refuse,
    ping: async () => undefined,
  };
}
