import { InvalidInputError } from './errors';

/**
 * Parses an optional non-negative integer parameter (`since_index`, `last_index`, `limit`): the REST routes and the
 * WebSocket upgrade read indexes the same way.
 */
export function parseIndexParam(raw: string | undefined, field: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new InvalidInputError(field, `${field} must be a non-negative integer`);
  const value = Number(raw);
  if (value > max) throw new InvalidInputError(field, `${field} must be at most ${max}`);
  return value;
}
