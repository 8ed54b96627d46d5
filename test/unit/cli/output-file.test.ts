import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutputFile } from '../../../src/cli/output-file';

describe('-o FILE is written atomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logstream-out-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('FILE keeps its old content until commit, then holds every line; no temporary file is left', () => {
    const target = path.join(dir, 'job.log');
    fs.writeFileSync(target, 'old\n');
    const file = OutputFile.open(target);
    for (let i = 1; i <= 100_000; i++) file.writeLine(`line ${i} ${'x'.repeat(20)}`);
    file.writeLine('');
    expect(fs.readFileSync(target, 'utf8')).toBe('old\n');
    file.commit();
    const lines = fs.readFileSync(target, 'utf8').split('\n');
    expect(lines).toHaveLength(100_002);
    expect(lines[0]).toBe(`line 1 ${'x'.repeat(20)}`);
    expect(lines.slice(-3)).toEqual([`line 100000 ${'x'.repeat(20)}`, '', '']);
    expect(file.lines).toBe(100_001);
    expect(fs.readdirSync(dir)).toEqual(['job.log']);
  });

  it('discard leaves FILE as it was and removes the temporary file', () => {
    const target = path.join(dir, 'job.log');
    const file = OutputFile.open(target);
    file.writeLine('partial');
    file.discard();
    file.discard();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses a missing directory or a directory as FILE before anything is read (usage errors)', () => {
    expect(() => OutputFile.open(path.join(dir, 'missing', 'job.log'))).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/does not exist/) }),
    );
    expect(() => OutputFile.open(dir)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/is a directory/) }),
    );
    fs.writeFileSync(path.join(dir, 'plain'), '');
    expect(() => OutputFile.open(path.join(dir, 'plain', 'job.log'))).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/is not a directory/) }),
    );
  });

  it('writing after commit is an error with a stable code', () => {
    const file = OutputFile.open(path.join(dir, 'a.log'));
    file.commit();
    expect(() => file.writeLine('late')).toThrow(expect.objectContaining({ code: 'OUTPUT_FILE' }));
  });
});
