import { DEFAULT_RULES, mergeRules } from '../../../../src/devstack/strict-aws/rules';

describe('strict rules', () => {
  test('a partial, nested merge keeps everything not named', () => {
    const merged = mergeRules(DEFAULT_RULES, { readQuotas: { GetLogEvents: 10 }, putLogEvents: { maxPastMs: 1 } });
    expect(merged.readQuotas).toEqual({ ...DEFAULT_RULES.readQuotas, GetLogEvents: 10 });
    expect(merged.putLogEvents).toEqual({ ...DEFAULT_RULES.putLogEvents, maxPastMs: 1 });
    expect(merged.tokenTtlMs).toBe(DEFAULT_RULES.tokenTtlMs);
    expect(DEFAULT_RULES.readQuotas.GetLogEvents).toBe(25);
  });

  test.each([
    [{ nope: 1 }, /unknown rule nope/],
    [{ readQuotas: { Nope: 1 } }, /unknown rule readQuotas.Nope/],
    [{ tokenTtlMs: -1 }, /tokenTtlMs must be a whole number/],
    [{ emptyPageEvery: 1.5 }, /whole number/],
    [{ putLogEvents: 3 }, /putLogEvents must be an object/],
    [[], /rules must be an object/],
    [JSON.parse('{"readQuotas":{"__proto__":1}}') as unknown, /unknown rule readQuotas.__proto__/],
  ])('%j is refused with a clear error', (patch, message) => {
    expect(() => mergeRules(DEFAULT_RULES, patch)).toThrow(message);
    expect(() => mergeRules(DEFAULT_RULES, patch)).toThrow(expect.objectContaining({ code: 'INVALID_STRICT_RULES' }));
  });
});
