import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/** The file `npm run build` writes the prebuilt workflow bundle to. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** Where the workflow code lives: this file runs as src/... (tsx, jest) or dist/src/... (tsc output). */
function roots(): { repo: string; dist: string; workflowsPath: string } {
  const up = path.resolve(__dirname, '..', '..', '..');
  const repo = path.basename(up) === 'dist' ? path.dirname(up) : up;
  return { repo, dist: path.join(repo, 'dist'), workflowsPath: require.resolve('../../../workflows') };
}

/** Newest modification time of the TypeScript the workflow bundle is made of (workflows/ and src/domain/). */
function newestSource(repo: string): number {
  let newest = 0;
  const visit = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(path.join(repo, 'workflows'));
  visit(path.join(repo, 'src', 'domain'));
  return newest;
}

/**
 * What `Worker.create` loads the workflows from: the prebuilt bundle when it exists and is newer than the sources (a
 * production worker starts without running webpack, as the SDK's production sample does), else the sources.
 */
export function workflowSource(
  bundle: string = path.join(roots().dist, WORKFLOW_BUNDLE_FILE),
): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const { repo, workflowsPath } = roots();
  if (existsSync(bundle) && statSync(bundle).mtimeMs > newestSource(repo))
    return { workflowBundle: { codePath: bundle } };
  return { workflowsPath };
}

/** Bundles the workflows into `dist/workflow-bundle.js` (run after `tsc` by the build); returns the file. */
export async function buildWorkflowBundle(
  out: string = path.join(roots().dist, WORKFLOW_BUNDLE_FILE),
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: roots().workflowsPath,
    logger: new DefaultLogger('WARN'),
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return out;
}

if (require.main === module) {
  buildWorkflowBundle().then(
    (file) => process.stdout.write(`workflow bundle written to ${path.relative(process.cwd(), file)}\n`),
    (error: unknown) => {
      process.stderr.write(`workflow bundle: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
