#!/usr/bin/env node
// The `logstream` command: runs the compiled CLI when built, else the TypeScript sources via tsx.
const path = require('node:path');
const fs = require('node:fs');

const compiled = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const cli = fs.existsSync(compiled) ? require(compiled) : require('tsx/cjs/api').require('./main.ts', __filename);
cli.runCli(process.argv).then((code) => cli.exitWhenFlushed(code));
