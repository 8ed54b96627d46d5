import { PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord, LogSeal } from '../../domain';
import { isConditionFailure, itemOfConditionFailure } from './condition-failures';
import { expiresAtOf, fenceItem, isFence, RECORD_SEQ, routeKey, type Item } from './log-items';
import type { TableTarget } from './observed-call';

// UpdateItems in flight while a seal gives a long log's chunks their expiry.
const EXPIRY_CONCURRENCY = 8;

/** How writing a seal ended: written, or refused for what the store found (see `writeSeal`). */
export type SealWrite = 'sealed' | 'chunk-past-tip' | 'record-refused';

/**
 * The seal, in two conditional writes, fence first:
 * 1. the fence goes to `lastIndex + 1` if nothing is there (no writer got past the drained tip). From then on no
 *    chunk can be appended. A fence found there already is this seal's own (an earlier attempt whose reply was lost,
 *    or a concurrent drain of the same tip: a fence sits right after the tip it was put for), and the seal goes on;
 *    a chunk found there is `chunk-past-tip`.
 * 2. the record gets the seal and its expiry if it exists and is unsealed (never recreated, never sealed twice);
 *    else `record-refused`, for the caller to read what stands.
 * Each is billed as one plain write (1 unit each for a record and a fence under 1 KB), half what one transaction
 * of the two costs, and a seal is all-or-nothing without one: readers go by the record, so a fence left alone by a
 * seal that stopped between the two is finished by the next attempt, and meanwhile only refuses appends past a tip
 * that was proven complete.
 */
export async function writeSeal(
  target: TableTarget,
  executionId: string,
  seal: LogSeal,
  expiresAt: number,
): Promise<SealWrite> {
  try {
    await target.call('PutItem', () =>
      target.client.send(
        new PutItemCommand({
          TableName: target.table,
          Item: fenceItem(executionId, seal.lastIndex, expiresAt),
          ConditionExpression: 'attribute_not_exists(seq)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    if (!isFence(itemOfConditionFailure(error))) return 'chunk-past-tip';
  }
  const optional = optionalSealAttributes(seal);
  try {
    await target.call('UpdateItem', () =>
      target.client.send(
        new UpdateItemCommand({
          TableName: target.table,
          Key: { execution_id: { S: executionId }, seq: { N: RECORD_SEQ } },
          UpdateExpression: `SET #status = :status, completed_at = :completed, last_index = :last, sealed_at = :sealed, expires_at = :expires${
            seal.exitCode === undefined ? '' : ', exit_code = :exit'
          }${optional.map(([name]) => `, ${name} = :${name}`).join('')}`,
          ConditionExpression: 'attribute_exists(seq) AND attribute_not_exists(sealed_at)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': { S: seal.status },
            ':completed': { N: String(seal.completedAt) },
            ':last': { N: String(seal.lastIndex) },
            ':sealed': { N: String(seal.sealedAt) },
            ':expires': { N: String(expiresAt) },
            ...(seal.exitCode === undefined ? {} : { ':exit': { N: String(seal.exitCode) } }),
            ...Object.fromEntries(optional.map(([name, value]) => [`:${name}`, value])),
          },
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'record-refused';
  }
  return 'sealed';
}

/**
 * Gives every chunk up to `lastIndex` that would expire before `expiresAt` that expiry: one UpdateItem per such
 * chunk (billed on its size), conditional on the chunk existing so that none is recreated. Idempotent: chunks that
 * live as long already are skipped. Only logs sealed long after they began need it (see `needsChunkExpiry`).
 */
export async function expireChunks(
  target: TableTarget,
  executionId: string,
  lastIndex: number,
  expiresAt: number,
): Promise<void> {
  if (!Number.isFinite(expiresAt)) return;
  let startKey: Item | undefined;
  do {
    const page = await target.call('Query', () =>
      target.client.send(
        new QueryCommand({
          TableName: target.table,
          KeyConditionExpression: 'execution_id = :id AND seq BETWEEN :one AND :last',
          ExpressionAttributeValues: {
            ':id': { S: executionId },
            ':one': { N: '1' },
            ':last': { N: String(lastIndex) },
          },
          ProjectionExpression: 'seq, expires_at',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    // A chunk that lives as long already (or longer: a provisional expiry) is left alone; one without any is not.
    const due = (page.Items ?? []).filter((item) => item.expires_at === undefined || expiresAtOf(item) < expiresAt);
    for (let i = 0; i < due.length; i += EXPIRY_CONCURRENCY) {
      await Promise.all(
        due.slice(i, i + EXPIRY_CONCURRENCY).map((item) => expireItem(target, executionId, item, expiresAt)),
      );
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

async function expireItem(target: TableTarget, executionId: string, item: Item, expiresAt: number): Promise<void> {
  try {
    await target.call('UpdateItem', () =>
      target.client.send(
        new UpdateItemCommand({
          TableName: target.table,
          Key: { execution_id: { S: executionId }, seq: { N: item.seq?.N ?? '' } },
          UpdateExpression: 'SET expires_at = :expires',
          ConditionExpression: 'attribute_exists(seq)',
          ExpressionAttributeValues: { ':expires': { N: String(expiresAt) } },
        }),
      ),
    );
  } catch (error) {
    // Deleted meanwhile (expired, or removed by hand): it stays deleted.
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Gives the route items of a pushed execution's streams the seal's expiry, so that nothing of a sealed
 * log outlives its retention: one UpdateItem per stream, only on a route that exists and is this
 * execution's (a stream routed to another execution keeps its route). Idempotent.
 */
export async function expireRoutes(target: TableTarget, record: ExecutionRecord, expiresAt: number): Promise<void> {
  if (record.ingest !== 'push' || !Number.isFinite(expiresAt)) return;
  const { logGroup, logStreams } = record.location;
  await Promise.all(
    logStreams.map(async (logStream) => {
      try {
        await target.call('UpdateItem', () =>
          target.client.send(
            new UpdateItemCommand({
              TableName: target.table,
              Key: routeKey(logGroup, logStream),
              UpdateExpression: 'SET expires_at = :expires',
              ConditionExpression: 'attribute_exists(seq) AND route_execution = :id',
              ExpressionAttributeValues: {
                ':expires': { N: String(expiresAt) },
                ':id': { S: record.executionId },
              },
            }),
          ),
        );
      } catch (error) {
        // Never routed (or routed to another execution): nothing of this log to expire there.
        if (!isConditionFailure(error)) throw error;
      }
    }),
  );
}

/** The seal's optional facts as record attributes, only those it has (counts of 0 are left out). */
function optionalSealAttributes(seal: LogSeal): [string, AttributeValue][] {
  const counts: [string, number | undefined][] = [
    ['rejected_events', seal.rejectedEvents],
    ['recovered_events', seal.recoveredEvents],
    ['duplicate_events', seal.duplicateEvents],
    ['event_count', seal.eventCount],
  ];
  return [
    ...counts.flatMap(([name, value]): [string, AttributeValue][] => (value ? [[name, { N: String(value) }]] : [])),
    ...(seal.proof === undefined ? [] : [['proof', { S: seal.proof }] as [string, AttributeValue]]),
  ];
}
