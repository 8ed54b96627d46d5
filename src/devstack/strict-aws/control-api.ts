import { parseFaultSpec } from './faults';
import type { StrictAwsLayer } from './strict-layer';

/** The path prefix of the control API, served on the same port as the AWS endpoint. */
export const CONTROL_PREFIX = '/__strict/';

/** A JSON answer of the control API. */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8')) as unknown;
}

function hasCode(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Routes of the control API: rules (`GET /__strict/state`, `PUT /__strict/rules`, `POST /__strict/rules/reset`),
 * faults (`POST` / `DELETE /__strict/faults`, `DELETE /__strict/faults/<id>` ends one), counters (`GET /__strict/stats`, `POST /__strict/stats/reset`) and
 * the subscription delivery model (`GET` / `PUT /__strict/delivery`, `POST /__strict/delivery/reset`,
 * `POST /__strict/delivery/disable`, `POST /__strict/delivery/enable`).
 */
export function handleControl(layer: StrictAwsLayer, method: string, path: string, body: Buffer): ControlAnswer {
  const route = `${method} ${path.replace(/\?.*$/, '').replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /__strict/state':
        return { status: 200, body: layer.state() };
      case 'GET /__strict/rules':
        return { status: 200, body: layer.rules };
      case 'PUT /__strict/rules':
        return { status: 200, body: layer.setRules(parseBody(body)) };
      case 'POST /__strict/rules/reset':
        return { status: 200, body: layer.resetRules() };
      case 'POST /__strict/faults':
        return { status: 201, body: { id: layer.addFault(parseFaultSpec(parseBody(body))) } };
      case 'DELETE /__strict/faults':
        layer.faults.clear();
        return { status: 200, body: { faults: [] } };
      case 'GET /__strict/stats':
        return { status: 200, body: layer.stats.toJSON() };
      case 'POST /__strict/stats/reset':
        layer.stats.reset();
        return { status: 200, body: layer.stats.toJSON() };
      case 'GET /__strict/delivery':
        return { status: 200, body: layer.delivery.state() };
      case 'PUT /__strict/delivery':
        layer.delivery.configure(parseBody(body));
        return { status: 200, body: layer.delivery.state() };
      case 'POST /__strict/delivery/reset':
        return { status: 200, body: layer.delivery.reset() };
      case 'POST /__strict/delivery/disable':
        return { status: 201, body: layer.delivery.disable(parseBody(body)) };
      case 'POST /__strict/delivery/enable':
        return { status: 200, body: layer.delivery.enable(parseBody(body)) };
      default:
        if (method === 'DELETE' && route.startsWith('DELETE /__strict/faults/')) {
          const id = decodeURIComponent(route.slice('DELETE /__strict/faults/'.length));
          if (layer.faults.remove(id)) return { status: 200, body: { faults: layer.state().faults } };
          return { status: 404, body: { error: { code: 'NOT_FOUND', message: `no fault ${id} in force` } } };
        }
        return { status: 404, body: { error: { code: 'NOT_FOUND', message: `no control route ${route}` } } };
    }
  } catch (error) {
    if (error instanceof SyntaxError) {
      return { status: 400, body: { error: { code: 'INVALID_JSON', message: error.message } } };
    }
    if (hasCode(error)) return { status: 400, body: { error: { code: error.code, message: error.message } } };
    throw error;
  }
}
