import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Keeps the local AWS state (CloudWatch Logs, DynamoDB) of `npm start` across restarts, as Temporal's SQLite file
 * keeps the executions. moto holds its state in memory, but can record every request it serves into a file; the
 * next start replays the writes of that file against the new emulator, which records them again (so the file only
 * ever holds writes of earlier runs plus the current run's requests).
 *
 * The emulator serves requests on several threads and records each as it arrives: two conditional writes racing on
 * one key may replay in the other order. The log store's writers only race like that in rare cases (a retried
 * ingest meeting a first /logs fill); this is a convenience of the local stack, not a durability promise.
 */
export interface AwsRecording {
  /** The recording file, under the data dir: what the local stack's emulators record into (`recordingFile`). */
  readonly file: string;
  /** Replays the writes recorded by earlier runs against `endpoint`; resolves with how many were replayed. */
  replay(endpoint: string): Promise<number>;
}

/**
 * The recording of DynamoDB's own emulator process, beside `file` (the local stack runs DynamoDB apart from
 * CloudWatch Logs and Kinesis, and two processes must not append to one file).
 */
export function dynamodbRecordingOf(file: string): string {
  const extension = path.extname(file);
  return `${file.slice(0, file.length - extension.length)}-dynamodb${extension}`;
}

/** Moves an earlier run's recordings aside for replay and returns the recorder settings of this run. */
export function prepareAwsRecording(dataDir: string): AwsRecording {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'aws-requests.jsonl');
  const pendings = [file, dynamodbRecordingOf(file)].map((recorded) => {
    const pending = `${recorded}.replay`;
    // A pending file left by an interrupted replay still holds everything: what was replayed since is a subset of
    // it (nothing else ran before the replay ended), so the newer recording goes.
    if (existsSync(pending)) rmSync(recorded, { force: true });
    else if (existsSync(recorded)) renameSync(recorded, pending);
    return pending;
  });
  return {
    file,
    replay: async (endpoint) => {
      let replayed = 0;
      // The services' writes are independent of each other: each file replays in its own order.
      for (const pending of pendings) {
        if (!existsSync(pending)) continue;
        replayed += await replayWrites(pending, endpoint);
        rmSync(pending, { force: true });
      }
      return replayed;
    },
  };
}

/** One request as moto's recorder writes it (a JSON line). */
interface RecordedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly body_encoded?: boolean;
}

// Reads change nothing: replaying them would only cost time (and count against the strict layer's read quotas).
const READ_OPERATION = /^(Get|Describe|List|Query|Scan|BatchGet|TransactGet|Filter|Test)/;
const KEPT_HEADERS = new Set(['content-type', 'x-amz-target', 'x-amz-date', 'authorization', 'x-amz-content-sha256']);

async function replayWrites(file: string, endpoint: string): Promise<number> {
  let replayed = 0;
  const lines = readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let request: RecordedRequest;
    try {
      request = JSON.parse(line) as RecordedRequest;
    } catch {
      // A line cut short by a killed emulator: the request it described never completed either.
      continue;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).filter(([name]) => KEPT_HEADERS.has(name.toLowerCase())),
    );
    const target = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
    const operation = target?.split('.').pop() ?? '';
    if (request.method !== 'POST' || operation === '' || READ_OPERATION.test(operation)) continue;
    const body = request.body_encoded ? Buffer.from(request.body ?? '', 'base64') : (request.body ?? '');
    const url = new URL(request.url ?? '/', 'http://recorded');
    // Failures replay as they happened (a conditional put that lost then loses again): only the transport matters.
    const response = await fetch(`${endpoint}${url.pathname}${url.search}`, { method: 'POST', headers, body });
    await response.arrayBuffer();
    replayed++;
  }
  return replayed;
}
