import { clientFault, type AwsFault } from './aws-fault';
import type { TokenCodec } from './read-tokens';

const SCOPE = 'kinesis-shard-iterator';

/** An opened shard iterator: the emulator's own, and the shard it reads (for the per-shard quota). */
export interface OpenedIterator {
  inner: string;
  shard: string;
}

/** moto's iterators are base64 of `stream:shardId:sequence`; the shard is what the GetRecords quota is kept per. */
function shardOf(inner: string): string {
  const [stream = '', shard = ''] = Buffer.from(inner, 'base64').toString('utf8').split(':');
  return `${stream}/${shard}`;
}

/**
 * Kinesis shard iterators as AWS hands them out: opaque, and valid for five minutes (ExpiredIteratorException after
 * that), wrapped around the emulator's iterators, which never expire.
 */
export class ShardIteratorShaper {
  constructor(private readonly codec: TokenCodec) {}

  /** A new iterator standing for the emulator's `inner` one, issued at `now`. */
  wrap(inner: string, now: number): string {
    return this.codec.issue({ inner, scope: SCOPE, issuedAt: now });
  }

  /** The emulator's iterator behind `iterator`, or the fault AWS answers for an expired or unknown one. */
  open(iterator: unknown, now: number, ttlMs: number): OpenedIterator | AwsFault {
    const opened = typeof iterator === 'string' ? this.codec.open(iterator, SCOPE, now, ttlMs) : 'invalid';
    if (opened === 'expired') {
      return clientFault(
        'ExpiredIteratorException',
        `Iterator expired. Iterators are valid for ${ttlMs} milliseconds.`,
      );
    }
    if (opened === 'invalid' || opened.inner === null) {
      return clientFault('InvalidArgumentException', 'Invalid ShardIterator.');
    }
    return { inner: opened.inner, shard: shardOf(opened.inner) };
  }
}
