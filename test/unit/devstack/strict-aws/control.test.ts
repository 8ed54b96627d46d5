import { handleControl } from '../../../../src/devstack/strict-aws/control-api';
import { DEFAULT_RULES } from '../../../../src/devstack/strict-aws/rules';
import { StrictAwsLayer } from '../../../../src/devstack/strict-aws/strict-layer';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const none = Buffer.alloc(0);

describe('the strict layer control API', () => {
  test('rules: partial merge, reset, state', () => {
    const layer = new StrictAwsLayer();
    const set = handleControl(layer, 'PUT', '/__strict/rules', body({ readQuotas: { GetLogEvents: 10 } }));
    expect(set).toMatchObject({ status: 200, body: { readQuotas: { GetLogEvents: 10, FilterLogEvents: 5 } } });
    expect(handleControl(layer, 'GET', '/__strict/state', none).body).toMatchObject({
      rules: { readQuotas: { GetLogEvents: 10 } },
      faults: [],
      stats: { operations: {} },
    });
    expect(handleControl(layer, 'POST', '/__strict/rules/reset', none)).toEqual({ status: 200, body: DEFAULT_RULES });
  });

  test('faults: added with an id, listed, cleared', () => {
    const layer = new StrictAwsLayer({ now: () => 0 });
    const added = handleControl(
      layer,
      'POST',
      '/__strict/faults',
      body({ service: 'logs', kind: 'outage', seconds: 5 }),
    );
    expect(added).toEqual({ status: 201, body: { id: expect.any(String) } });
    expect(handleControl(layer, 'GET', '/__strict/state', none).body).toMatchObject({
      faults: [{ service: 'logs', kind: 'outage', until: 5000 }],
    });
    handleControl(layer, 'DELETE', '/__strict/faults', none);
    expect(handleControl(layer, 'GET', '/__strict/state', none).body).toMatchObject({ faults: [] });
  });

  test('faults: one ended by its id, the others stay; an unknown id is a 404', () => {
    const layer = new StrictAwsLayer({ now: () => 0 });
    const add = (spec: unknown) =>
      (handleControl(layer, 'POST', '/__strict/faults', body(spec)).body as { id: string }).id;
    const first = add({ service: 'dynamodb', kind: 'throttle', fraction: 0.5 });
    const second = add({ service: 'dynamodb', kind: 'throttle', operations: ['TransactWriteItems'] });
    expect(handleControl(layer, 'DELETE', `/__strict/faults/${second}`, none)).toEqual({
      status: 200,
      body: { faults: [{ id: first, service: 'dynamodb', kind: 'throttle', fraction: 0.5 }] },
    });
    expect(handleControl(layer, 'DELETE', `/__strict/faults/${second}`, none)).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: `no fault ${second} in force` } },
    });
  });

  test('stats: read and reset', () => {
    const layer = new StrictAwsLayer();
    layer.stats.of('logs', 'GetLogEvents').calls++;
    expect(handleControl(layer, 'GET', '/__strict/stats', none).body).toEqual({
      operations: { 'logs:GetLogEvents': { calls: 1, throttled: 0, rejected: 0, faulted: 0, upstreamMs: 0 } },
    });
    handleControl(layer, 'POST', '/__strict/stats/reset', none);
    expect(handleControl(layer, 'GET', '/__strict/stats', none).body).toEqual({ operations: {} });
  });

  test.each([
    [{ service: 'sqs', kind: 'outage' }, /service must be one of/],
    [{ service: 'logs', kind: 'flood' }, /kind must be one of/],
    [{ service: 'logs', kind: 'throttle', fraction: 2 }, /fraction must be a number from 0 to 1/],
    [{ service: 'logs', kind: 'latency' }, /latency needs latencyMs/],
    [{ service: 'logs', kind: 'outage', operations: 'GetLogEvents' }, /operations must be a list/],
    [{ service: 'logs', kind: 'outage', extra: 1 }, /unknown field extra/],
  ])('a bad fault %j is a 400 naming the problem', (spec, message) => {
    const answer = handleControl(new StrictAwsLayer(), 'POST', '/__strict/faults', body(spec));
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'INVALID_STRICT_FAULT', message } } });
  });

  test('bad JSON, bad rules and unknown routes are clear errors', () => {
    const layer = new StrictAwsLayer();
    expect(handleControl(layer, 'PUT', '/__strict/rules', Buffer.from('{'))).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_JSON' } },
    });
    expect(handleControl(layer, 'PUT', '/__strict/rules', body({ tokenTtlMs: 'soon' }))).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_STRICT_RULES' } },
    });
    expect(handleControl(layer, 'GET', '/__strict/nothing', none).status).toBe(404);
  });
  test('delivery: settings merged and reset, windows opened and closed, bad input a 400', () => {
    const layer = new StrictAwsLayer({ now: () => 1_000 });
    const set = handleControl(layer, 'PUT', '/__strict/delivery', body({ mode: 'modelled', lag: { medianMs: 10 } }));
    expect(set).toMatchObject({
      status: 200,
      body: { config: { mode: 'modelled', lag: { medianMs: 10, p99Ms: 1_000 } } },
    });
    const disabled = handleControl(layer, 'POST', '/__strict/delivery/disable', body({ seconds: 5, logGroup: 'g' }));
    expect(disabled).toEqual({
      status: 201,
      body: { id: expect.any(String), from: 1_000, until: 6_000, logGroup: 'g' },
    });
    expect(handleControl(layer, 'GET', '/__strict/delivery', none).body).toMatchObject({
      disabled: [{ logGroup: 'g' }],
      counters: { delivered: 0, pending: 0 },
    });
    expect(handleControl(layer, 'POST', '/__strict/delivery/enable', body({})).body).toMatchObject({ disabled: [] });
    expect(handleControl(layer, 'POST', '/__strict/delivery/reset', none).body).toMatchObject({
      config: { mode: 'direct' },
    });
    for (const [route, value] of [
      ['/__strict/delivery', { lag: { medianMs: -1 } }],
      ['/__strict/delivery/disable', { logGroup: 'g' }],
      ['/__strict/delivery/enable', { seconds: 'soon' }],
    ] as const) {
      const method = route === '/__strict/delivery' ? 'PUT' : 'POST';
      expect(handleControl(layer, method, route, body(value))).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_STRICT_DELIVERY' } },
      });
    }
  });
});
