// Debian's HAProxy in front of several API processes, as a load balancer runs in production: round robin, no session
// affinity (no cookie, no source hashing), WebSocket upgrades tunnelled, a backend marked down by its health checks,
// and a request that cannot reach one backend sent to another.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/devstack/local-stack';
import { waitFor } from './harness';
import { withParentDeathSignal } from './parent-death';

/** A running HAProxy. */
export interface HaproxyProcess {
  /** http://127.0.0.1:PORT, the one address clients use. */
  readonly url: string;
  stop(): Promise<void>;
}

function haproxyBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (found === '') {
    throw new Error(
      'haproxy is not installed: run scripts/install-toolchain.sh as root (it installs Debian’s haproxy), or install HAProxy 2.x and put it on PATH',
    );
  }
  return found;
}

/** The configuration: one frontend, one round-robin backend over `backends` (host:port). */
export function haproxyConfig(port: number, backends: readonly string[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // A busy node answers its health check late, not never: only a refused or silent one is marked down (a dead
    // process refuses at once).
    '  timeout check 10s',
    // A WebSocket is a tunnel once upgraded; the API pings every socket well within this.
    '  timeout tunnel 1h',
    // A request whose backend refuses the connection goes to another one instead of failing.
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure empty-response response-timeout',
    'frontend logstream',
    `  bind 127.0.0.1:${port}`,
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    ...backends.map((backend, i) => `  server api${i + 1} ${backend} check inter 1s fall 3 rise 2`),
    '',
  ].join('\n');
}

/** Starts HAProxy on a free loopback port in front of `backends`; resolves once it answers /healthz. */
export async function startHaproxy(backends: readonly string[]): Promise<HaproxyProcess> {
  const binary = haproxyBinary();
  const port = await findFreePort('127.0.0.1');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-haproxy-'));
  const configFile = path.join(dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(port, backends));
  const check = spawnSync(binary, ['-c', '-q', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy refused its configuration: ${check.stderr}`);
  const [file, argv] = withParentDeathSignal(binary, ['-db', '-f', configFile]);
  const child: ChildProcess = spawn(file, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`haproxy on ${url}`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined));
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
