import { Hono } from 'hono';
import type { ExecutionDirectory, LogSource, LogStore } from '../../ports';
import type { ApiEnv } from '../http';
import type { Metrics } from '../metrics';

/** What the probes check. */
export interface ProbeDeps {
  readonly directory: ExecutionDirectory;
  readonly store: LogStore;
  readonly source: LogSource;
  readonly metrics: Metrics;
}

/** `GET /healthz` (liveness), `GET /readyz` (every dependency answers), `GET /metrics` (Prometheus). */
export function probeRoutes(deps: ProbeDeps): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', async (c) => {
    const checks = await Promise.all([
      check('temporal', () => deps.directory.ping()),
      check('dynamodb', () => deps.store.ping()),
      check('cloudwatch', () => deps.source.ping()),
    ]);
    const failing = checks.filter((result) => !result.ok);
    if (failing.length === 0) return c.json({ status: 'ready', checks });
    return c.json(
      {
        error: { code: 'NOT_READY', message: `not ready: ${failing.map((f) => f.dependency).join(', ')} failing` },
        checks,
      },
      503,
    );
  });
  routes.get('/metrics', async (c) => {
    c.header('Content-Type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
  return routes;
}

async function check(
  dependency: string,
  probe: () => Promise<void>,
): Promise<{ dependency: string; ok: boolean; error?: string }> {
  try {
    await probe();
    return { dependency, ok: true };
  } catch (error) {
    return { dependency, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
