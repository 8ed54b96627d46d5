/** Benchmarks entry point (`npm run bench`). */
process.stdout.write('no benchmarks yet\n');
