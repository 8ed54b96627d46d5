import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PortInUseError } from './errors';

const handedOutPorts = new Set<number>();

/** Where free ports are looked for: above the well-known and registered services most machines run. */
const LOWEST_PORT = 10_000;
const ATTEMPTS = 200;

/**
 * The OS's range of ephemeral ports (Linux: /proc/sys/net/ipv4/ip_local_port_range; elsewhere IANA's 49152-65535).
 * Every outgoing connection takes a port from it, so a port found free there may be taken by one before its server
 * binds it.
 */
export function ephemeralPortRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) && low <= high) {
      return { low, high };
    }
  } catch {
    // Not Linux: IANA's range.
  }
  return { low: 49_152, high: 65_535 };
}

/** Whether `port` can be bound on `host` right now. */
function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that is free on `host` right now, never the same one twice in this process. It is taken below the
 * OS's ephemeral range: a port the OS hands out for port 0 is one any outgoing connection may take in the moment
 * between this answer and the caller's bind (a server then fails with EADDRINUSE; seen in CI). Falls back to the
 * OS's choice when nothing below is free.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const { low } = ephemeralPortRange();
  const span = Math.max(0, low - LOWEST_PORT);
  for (let attempt = 0; attempt < ATTEMPTS && span > 0; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * span);
    if (handedOutPorts.has(port) || !(await bindable(host, port))) continue;
    handedOutPorts.add(port);
    return port;
  }
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ host, port: 0, exclusive: true }, () => {
        const address = server.address();
        const found = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    // Two calls in a row may get the same ephemeral port back; callers want distinct ones.
    if (port > 0 && !handedOutPorts.has(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
}

/** Throws PortInUseError naming `variable` (the setting that moves the port) when `port` is taken. */
export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(host, port, variable, err) : err);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** `host` as it appears in a URL or a HOST:PORT address (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
