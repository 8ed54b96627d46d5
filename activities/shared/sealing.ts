import { sealExpiresAt, type Completion, type LogSeal } from '../../src/domain';

/** What a seal records of its proof beside the completion. */
export type SealFacts = Pick<LogSeal, 'proof' | 'recoveredEvents' | 'duplicateEvents'>;
import type { LogStore } from '../../src/ports';

/**
 * Seals the log at `lastIndex`; undefined when a late writer stored past it first (a chunk starts at
 * `lastIndex + 1`: the caller drains or checks again, then seals).
 */
export async function sealAt(
  store: LogStore,
  input: { readonly executionId: string; readonly completion: Completion },
  lastIndex: number,
  sealedAt: number,
  ttlSeconds: number,
  facts: SealFacts = {},
): Promise<LogSeal | undefined> {
  try {
    return await store.sealLog(
      input.executionId,
      { ...input.completion, ...facts, lastIndex, sealedAt },
      // Retention counts from the seal when the reported completion is older (see sealExpiresAt).
      sealExpiresAt(input.completion.completedAt, sealedAt, ttlSeconds),
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'CHUNK_CONFLICT') throw error;
    return undefined;
  }
}

/** A second drain of a sealed log meets the seal when it appends: the first seal stands. */
export async function sealedBefore(store: LogStore, executionId: string, error: unknown): Promise<LogSeal | undefined> {
  if ((error as { code?: unknown }).code !== 'LOG_SEALED') return undefined;
  return (await store.getExecution(executionId))?.seal;
}
