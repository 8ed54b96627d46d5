// `npm run infra:synth` in a temporary folder: the CDK app synthesizes both stacks and cfn-lint (AWS's validator,
// pinned in the toolchain) reports no error and no warning on them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, toolchainPaths } from '../../../src/devstack/toolchain';

describe('the CDK app', () => {
  const root = repoRoot();
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(path.join(os.tmpdir(), 'logstream-cdk-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes the data and service stacks, and cfn-lint finds nothing in them', () => {
    const synth = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'infra', 'app.ts')], {
      cwd: root,
      env: { ...process.env, CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(synth.stderr).not.toMatch(/Error/);
    expect(synth.status).toBe(0);
    const templates = readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
    expect(templates.sort()).toEqual(['LogstreamData.template.json', 'LogstreamService.template.json']);
    const lint = spawnSync(toolchainPaths().cfnLint, ['--', ...templates.map((file) => path.join(outdir, file))], {
      encoding: 'utf8',
    });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });
});
