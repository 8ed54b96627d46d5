import http from 'node:http';
import { LogstreamError } from '../../domain';
import type { JsonObject } from './http-answer';

/** A Kinesis call the strict layer makes itself, straight to the emulator (outside its own quotas and faults). */
export type KinesisCall = (operation: string, input: JsonObject, at: StreamAddress) => Promise<JsonObject>;

/** The account and Region a stream lives in (the emulator keeps one backend per pair). */
export interface StreamAddress {
  account: string;
  region: string;
}

/** An error answer of the emulator; `code` is AWS's error type (e.g. ResourceNotFoundException). */
export class EmulatorCallError extends LogstreamError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

/** The account and Region of an ARN (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`), or undefined. */
export function addressOfArn(arn: string): StreamAddress | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !parts[3] || !parts[4]) return undefined;
  return { region: parts[3], account: parts[4] };
}

/** Kinesis calls to the emulator on `host:port` (JSON protocol; the emulator reads no signature). */
export function emulatorKinesis(host: string, port: number): KinesisCall {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  return (operation, input, at) =>
    new Promise((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(input));
      const request = http.request(
        {
          host,
          port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'content-length': body.length,
            'x-amz-target': `Kinesis_20131202.${operation}`,
            // The emulator takes the Region from the credential scope and the account from this header.
            authorization: `AWS4-HMAC-SHA256 Credential=strict/20240101/${at.region}/kinesis/aws4_request, SignedHeaders=host, Signature=0`,
            'x-moto-account-id': at.account,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('error', reject);
          response.once('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: JsonObject = {};
            try {
              parsed = text === '' ? {} : (JSON.parse(text) as JsonObject);
            } catch {
              parsed = { message: text };
            }
            const status = response.statusCode ?? 500;
            if (status === 200) return resolve(parsed);
            const type = String(parsed.__type ?? response.headers['x-amzn-errortype'] ?? 'InternalFailure');
            reject(new EmulatorCallError(type.split('#').pop() ?? type, String(parsed.message ?? text), status));
          });
        },
      );
      request.once('error', reject);
      request.end(body);
    });
}
