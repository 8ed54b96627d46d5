import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OutputFileError, UsageError } from './errors';

// Lines are gathered and written in blocks of about this many UTF-16 units.
const FLUSH_AT = 1 << 20;

/**
 * A file written atomically (`-o FILE`): lines go to a temporary file beside it, which replaces FILE
 * only on `commit()`. Until then FILE is untouched; on `discard()`, an error or Ctrl-C the temporary
 * file is removed, so FILE never holds a partial log.
 */
export class OutputFile {
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;
  /** Lines written so far. */
  lines = 0;

  private constructor(
    readonly path: string,
    private readonly temp: string,
    private readonly fd: number,
  ) {
    process.once('SIGINT', this.onInterrupt);
    process.once('SIGTERM', this.onInterrupt);
  }

  /** Checks where FILE goes (throws `UsageError` before anything is read) and opens its temporary file. */
  static open(file: string): OutputFile {
    const target = path.resolve(file);
    const dir = path.dirname(target);
    let dirStat: fs.Stats;
    try {
      dirStat = fs.statSync(dir);
    } catch {
      throw new UsageError(`-o ${file}: the directory ${dir} does not exist`);
    }
    if (!dirStat.isDirectory()) throw new UsageError(`-o ${file}: ${dir} is not a directory`);
    const existing = fs.statSync(target, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new UsageError(`-o ${file}: is a directory; give a file name`);
    const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      return new OutputFile(target, temp, fs.openSync(temp, 'wx', 0o666));
    } catch (error) {
      throw new OutputFileError(target, `cannot write ${dir}: ${(error as Error).message}`, error);
    }
  }

  /** Adds one line (a newline is appended). */
  writeLine(line: string): void {
    if (this.closed) throw new OutputFileError(this.path, `${this.path} is already closed`);
    this.pending.push(line, '\n');
    this.pendingChars += line.length + 1;
    this.lines++;
    if (this.pendingChars >= FLUSH_AT) this.flush();
  }

  /** Writes what is left, syncs it to disk and renames the temporary file over FILE. */
  commit(): void {
    if (this.closed) return;
    try {
      this.flush();
      fs.fsyncSync(this.fd);
      this.close();
      fs.renameSync(this.temp, this.path);
    } catch (error) {
      this.discard();
      throw new OutputFileError(this.path, `cannot write ${this.path}: ${(error as Error).message}`, error);
    }
  }

  /** Drops the temporary file; FILE stays as it was. Safe to call twice. */
  discard(): void {
    this.close();
    fs.rmSync(this.temp, { force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const block = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    try {
      fs.writeSync(this.fd, block);
    } catch (error) {
      this.discard();
      throw new OutputFileError(this.path, `cannot write ${this.path}: ${(error as Error).message}`, error);
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    process.removeListener('SIGINT', this.onInterrupt);
    process.removeListener('SIGTERM', this.onInterrupt);
    fs.closeSync(this.fd);
  }

  private readonly onInterrupt = (signal: NodeJS.Signals): void => {
    this.discard();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
}
