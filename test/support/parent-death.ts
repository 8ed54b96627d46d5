import { spawnSync } from 'node:child_process';

let setprivWorks: boolean | undefined;

/**
 * argv that runs `command` so it dies with the test process even when that one is SIGKILLed: setpriv sets the
 * parent-death signal on Linux; elsewhere the command runs as is (tests stop it in afterAll).
 */
export function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  setprivWorks ??=
    process.platform === 'linux' &&
    spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  return setprivWorks ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, [...args]];
}
