import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { RequestRefusedError } from '../domain';
import type { ApiEnv } from './http';

/** Where the built browser app is (`npm run build` writes it). */
export interface WebRouteDeps {
  /** Folder holding index.html, main.js and main.css; default: dist/web of the checkout or the build. */
  readonly assetsDir?: string;
}

const ASSET_TYPES: Readonly<Record<string, string>> = {
  'main.js': 'text/javascript; charset=utf-8',
  'main.js.map': 'application/json; charset=utf-8',
  'main.css': 'text/css; charset=utf-8',
  'main.css.map': 'application/json; charset=utf-8',
};

// The page and its assets come from this origin only; the log's colours are set through the CSSOM, which
// CSP allows without 'unsafe-inline'.
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The web app's pages (`GET /`, `GET /executions/{id}/view`) and static assets (`/assets/...`). They hold
 * no data, so they are served without a key: the app asks for one and sends it on every API call.
 */
export function webRoutes(deps: WebRouteDeps = {}): Hono<ApiEnv> {
  const dir = deps.assetsDir ?? defaultAssetsDir();
  const cache = new Map<string, Buffer>();
  const read = (file: string): Buffer => {
    let content = cache.get(file);
    if (!content) {
      const full = path.join(dir, file);
      if (!existsSync(full)) {
        throw new RequestRefusedError(
          'WEB_APP_NOT_BUILT',
          `the web app is not built (${file} missing): run npm run build`,
        );
      }
      content = readFileSync(full);
      cache.set(file, content);
    }
    return content;
  };
  const page = (c: Context<ApiEnv>): Response => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    c.header('Cache-Control', 'no-cache');
    return c.html(read('index.html').toString('utf8'));
  };

  const routes = new Hono<ApiEnv>();
  routes.get('/', page);
  routes.get('/executions/:id/view', page);
  routes.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSET_TYPES[file];
    if (!type) throw new RequestRefusedError('NOT_FOUND', `no asset ${file}`);
    c.header('Content-Type', type);
    // Asset names carry no hash: the browser revalidates, which is cheap on loopback and always current.
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(read(file)));
  });
  return routes;
}

// From sources (src/api) the assets are in dist/web; from the compiled build (dist/src/api) in dist/web too.
function defaultAssetsDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'dist', 'web'), path.resolve(__dirname, '..', '..', 'web')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? (candidates[0] as string);
}
