#!/usr/bin/env node
// The `logstream` command: runs the compiled CLI when built, else the TypeScript sources via tsx.
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..', '..');
const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');

/** Newest modification time of the TypeScript sources under `dir` (0 when there are none). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

// A build older than the sources (a checkout edited since `npm run build`) would run stale code.
const built = fs.statSync(compiled, { throwIfNoEntry: false });
const useBuild = built !== undefined && built.mtimeMs >= newestSource(path.join(root, 'src'));
const cli = useBuild ? require(compiled) : require('tsx/cjs/api').require('./main.ts', __filename);
cli.runCli(process.argv).then((code) => cli.exitWhenFlushed(code));
