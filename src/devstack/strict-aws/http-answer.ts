import { faultBody, type AwsFault, type AwsService } from './aws-fault';

/** An HTTP answer (from the emulator, or made by the strict layer). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Reset the connection instead of answering (a reply lost on the way back). */
  reset?: boolean;
}

/** A JSON object (a request input or an answer body). */
export type JsonObject = Record<string, unknown>;

let requestCounter = 0;

/** The answer AWS gives for `fault` (JSON protocol: status, `x-amzn-errortype`, `{__type, message}`). */
export function faultAnswer(service: AwsService | undefined, fault: AwsFault): HttpAnswer {
  return {
    status: fault.status,
    headers: {
      'content-type': service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      'x-amzn-errortype': fault.type,
      'x-amzn-requestid': `strict-${process.pid}-${++requestCounter}`,
    },
    body: Buffer.from(faultBody(service, fault)),
  };
}

/** A 200 answer with a JSON body made by the strict layer. */
export function jsonAnswer(body: JsonObject): HttpAnswer {
  return {
    status: 200,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `strict-${process.pid}-${++requestCounter}`,
    },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** The JSON object in `body`, or undefined when it holds anything else. */
export function parseJson(body: Buffer): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/** `answer` with a new JSON body (the emulator's length and checksum no longer apply). */
export function rewritten(answer: HttpAnswer, body: JsonObject): HttpAnswer {
  const headers = { ...answer.headers };
  delete headers['content-length'];
  delete headers['x-amz-crc32'];
  return { ...answer, headers, body: Buffer.from(JSON.stringify(body)) };
}
