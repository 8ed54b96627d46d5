import { spawnSync } from 'node:child_process';
import path from 'node:path';

function timeMs(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The installer's second run (everything present), against starting a bare shell, best of 5 each. */
export function benchToolchain(): Record<string, number> {
  const installer = path.join(__dirname, '..', 'scripts', 'install-toolchain.sh');
  const runs = (command: string, args: string[]): number =>
    Math.min(...Array.from({ length: 5 }, () => timeMs(command, args)));
  const second = runs('bash', [installer]);
  const bare = runs('bash', ['-c', 'true']);
  return {
    installer_second_run_ms: Math.round(second * 10) / 10,
    bare_shell_ms: Math.round(bare * 10) / 10,
    ratio_vs_bare_shell: Math.round((second / bare) * 100) / 100,
  };
}
