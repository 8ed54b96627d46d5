import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWorkflowBundle, workflowSource } from '../../../../src/adapters/temporal/workflow-bundle';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'logstream-bundle-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the prebuilt workflow bundle', () => {
  test('without a prebuilt bundle the worker bundles the sources at start', () => {
    expect(workflowSource(path.join(dir, 'missing.js'))).toEqual({
      workflowsPath: require.resolve('../../../../workflows'),
    });
  });

  test('a bundle newer than the sources is loaded; one older than any source is not', () => {
    const bundle = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundle, '// bundle');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(bundle, future, future);
    expect(workflowSource(bundle)).toEqual({ workflowBundle: { codePath: bundle } });
    const past = new Date('2000-01-01T00:00:00Z');
    utimesSync(bundle, past, past);
    expect(workflowSource(bundle)).toEqual({ workflowsPath: require.resolve('../../../../workflows') });
  });

  test('the build writes a bundle holding the execution workflow', async () => {
    const out = await buildWorkflowBundle(path.join(dir, 'dist', 'workflow-bundle.js'));
    const code = readFileSync(out, 'utf8');
    expect(code).toContain('executionWorkflow');
    expect(workflowSource(out)).toEqual({ workflowBundle: { codePath: out } });
  });
});
