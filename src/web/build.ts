import path from 'node:path';
import { build } from 'esbuild';

/** Where the built web app goes (git-ignored); the API serves it from there. */
export const WEB_ASSETS_DIR = path.resolve(__dirname, '..', '..', 'dist', 'web');

/** Bundles the browser app (src/web/app) and copies its page into `outdir`: main.js, main.css, index.html. */
export async function buildWebAssets(outdir = WEB_ASSETS_DIR): Promise<string> {
  await build({
    entryPoints: [path.join(__dirname, 'app', 'main.ts'), path.join(__dirname, 'index.html')],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    loader: { '.html': 'copy' },
    entryNames: '[name]',
    outdir,
    logLevel: 'warning',
  });
  return outdir;
}

if (require.main === module) {
  // Silent on success: `npm start` runs this first and its terminal is for what a person needs.
  buildWebAssets().catch((error: unknown) => {
    process.stderr.write(`web app build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
