import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A Kinesis client over HTTP/1.1. The SDK's Kinesis client defaults to HTTP/2 (for SubscribeToShard, which logstream
 * does not use); the local emulator and the strict AWS layer speak HTTP/1.1 only, and every call used here works on
 * both. `maxSockets` sizes the connection pool as the other clients'.
 */
export function createKinesisClient(
  config: Omit<KinesisClientConfig, 'requestHandler'>,
  maxSockets = 256,
): KinesisClient {
  return new KinesisClient({
    ...config,
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets }, httpsAgent: { maxSockets } }),
  });
}
