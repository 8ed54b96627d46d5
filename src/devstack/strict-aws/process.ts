import path from 'node:path';
import { ManagedProcess } from '../managed-process';
import { repoRoot } from '../toolchain';

/** Starts the strict AWS layer as a child process on `host:port`, in front of the emulator on `upstreamPort`. */
export function startStrictAwsProcess(opts: {
  host: string;
  port: number;
  upstreamPort: number;
  /** The emulator that serves DynamoDB, when it is not the one on `upstreamPort`. */
  dynamodbUpstreamPort?: number;
  /** botocore's `data` directory (AWS's service models); default: the toolchain venv's. */
  botocoreData?: string;
}): ManagedProcess {
  // Run from sources (tsx, jest) the entry is main.ts and needs tsx's loader; built, it is plain JavaScript.
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, `main${extension}`);
  const loader = extension === '.ts' ? ['--import', 'tsx'] : [];
  const args = [...loader, entry, '--host', opts.host, '--port', String(opts.port)];
  args.push('--upstream-port', String(opts.upstreamPort));
  if (opts.dynamodbUpstreamPort !== undefined) args.push('--dynamodb-upstream-port', String(opts.dynamodbUpstreamPort));
  if (opts.botocoreData !== undefined) args.push('--botocore-data', opts.botocoreData);
  return new ManagedProcess('strict-aws (proxy)', process.execPath, args, { cwd: repoRoot() });
}
