// A WebSocket tail endpoint in-process over the stack's DynamoDB table, built from the same parts as the
// API server's (TailServer, TailHub, the DynamoDB store), with its DynamoDB reads counted in two sets:
// those made for joining sockets (upgrade checks, the tail's start, backlogs) and those of the poll loop.
import http from 'node:http';
import type net from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { DynamoDbLogStore } from '../../src/adapters/dynamodb/dynamodb-log-store';
import { createMetrics } from '../../src/api/metrics';
import type { Config } from '../../src/config';
import { TailHub } from '../../src/ws/tail-hub';
import { TailServer, type TailServerOptions } from '../../src/ws/tail-server';
import { TicketSigner } from '../../src/ws/ticket';

/** DynamoDB calls by operation. */
export type CallCounts = Record<string, number>;

/** A running tail endpoint and its read counters. */
export interface TailEndpoint {
  /** The `/ws` URL tailing `executionId` after `lastIndex`. */
  url(executionId: string, lastIndex: number): string;
  /** DynamoDB calls made for joining sockets so far. */
  readonly joinCalls: CallCounts;
  /** DynamoDB calls of the tails' poll loops so far (one loop per execution whatever its sockets). */
  readonly loopCalls: CallCounts;
  stop(): Promise<void>;
}

/** GetItem + Query (+ any other read) calls in `counts`. */
export function readsOf(counts: CallCounts): number {
  return (counts.GetItem ?? 0) + (counts.Query ?? 0) + (counts.BatchGetItem ?? 0) + (counts.Scan ?? 0);
}

/**
 * Starts a tail endpoint with the configuration's poll intervals and socket limits; `records` sets how long
 * the upgrade check reuses an execution's record (the server's default otherwise).
 */
export async function startTailEndpoint(
  config: Config,
  dynamodb: DynamoDBClient,
  records?: TailServerOptions['records'],
): Promise<TailEndpoint> {
  const joinCalls: CallCounts = {};
  const loopCalls: CallCounts = {};
  const counting = (counts: CallCounts) => (_dependency: string, operation: string) =>
    void (counts[operation] = (counts[operation] ?? 0) + 1);
  const joinStore = new DynamoDbLogStore({ client: dynamodb, tableName: config.table, observe: counting(joinCalls) });
  const loopStore = new DynamoDbLogStore({ client: dynamodb, tableName: config.table, observe: counting(loopCalls) });
  const logger = pino({ level: 'warn' });
  const tails = new TailServer({
    hub: new TailHub({
      store: loopStore,
      joinStore,
      logger,
      pollMinMs: config.pollMinMs,
      pollMaxMs: config.ws.pollMaxMs,
    }),
    store: joinStore,
    tickets: new TicketSigner(),
    requireTicket: false,
    metrics: createMetrics(),
    logger,
    limits: config.ws,
    allowedOrigins: [],
    records,
  });
  // The listen backlog takes a whole wave at once (the default 511 would make the rest retry their SYNs).
  const server = http.createServer((_request, response) => response.writeHead(404).end());
  tails.attach(server);
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (executionId, lastIndex) => `ws://127.0.0.1:${port}/ws?execution_id=${executionId}&last_index=${lastIndex}`,
    joinCalls,
    loopCalls,
    stop: async () => {
      await tails.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
