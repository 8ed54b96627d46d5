import net from 'node:net';
import { ephemeralPortRange, findFreePort } from '../../../src/devstack/ports';

// Ports for the local stack's servers are found below the OS's ephemeral range: a port found free inside it may be
// taken by any outgoing connection before the server binds it (Temporal's dev server once failed with EADDRINUSE so).

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

test('free ports are distinct, bindable, and below the ephemeral range', async () => {
  const { low, high } = ephemeralPortRange();
  expect(low).toBeLessThanOrEqual(high);
  const ports = [];
  for (let i = 0; i < 20; i++) ports.push(await findFreePort());
  expect(new Set(ports).size).toBe(20);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(low);
    expect(await canBind(port)).toBe(true);
  }
});
