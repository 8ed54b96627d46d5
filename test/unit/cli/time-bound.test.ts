import { parseDuration, parseInstant, parseTimeBound } from '../../../src/cli/time-bound';

const NOW = Date.UTC(2026, 10, 27, 16, 0, 0);

describe('--since / --until values', () => {
  it('reads durations back from now in kubectl and aws logs tail spelling', () => {
    expect(parseTimeBound('30s', NOW, '--since')).toBe(NOW - 30_000);
    expect(parseTimeBound('10m', NOW, '--since')).toBe(NOW - 600_000);
    expect(parseTimeBound('2h', NOW, '--since')).toBe(NOW - 7_200_000);
    expect(parseTimeBound('1h30m', NOW, '--since')).toBe(NOW - 5_400_000);
    expect(parseTimeBound('7d', NOW, '--since')).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeBound('1w', NOW, '--since')).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeBound('250ms', NOW, '--since')).toBe(NOW - 250);
    expect(parseTimeBound('0s', NOW, '--since')).toBe(NOW);
    expect(parseDuration('1h30m15s')).toBe(5_415_000);
  });

  it('reads ISO 8601 instants, UTC when no zone is named', () => {
    expect(parseTimeBound('2026-11-27T15:04:05Z', NOW, '--since')).toBe(Date.UTC(2026, 10, 27, 15, 4, 5));
    expect(parseTimeBound('2026-11-27T15:04:05.123Z', NOW, '--since')).toBe(Date.UTC(2026, 10, 27, 15, 4, 5, 123));
    expect(parseTimeBound('2026-11-27T15:04:05.123456789Z', NOW, '--until')).toBe(
      Date.UTC(2026, 10, 27, 15, 4, 5, 123),
    );
    expect(parseTimeBound('2026-11-27T15:04:05+02:00', NOW, '--since')).toBe(Date.UTC(2026, 10, 27, 13, 4, 5));
    expect(parseTimeBound('2026-11-27T15:04-0130', NOW, '--since')).toBe(Date.UTC(2026, 10, 27, 16, 34));
    expect(parseTimeBound('2026-11-27T15:04:05', NOW, '--since')).toBe(Date.UTC(2026, 10, 27, 15, 4, 5));
    expect(parseTimeBound('2026-11-27', NOW, '--since')).toBe(Date.UTC(2026, 10, 27));
    expect(parseInstant('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuses what is neither, naming the flag and both accepted forms', () => {
    for (const bad of [
      '',
      '10',
      'm',
      '5q',
      '-10m',
      '10 m',
      'yesterday',
      '1.5h',
      '2026-13-01',
      '2026-02-30',
      '2025-02-29',
      '2026-11-27T25:00Z',
      '2026-11-27T15:60Z',
      '2026-11-27T15:00+25:00',
      '2026-11-27T15:00:00ZZ',
      '1763000000000',
    ]) {
      expect(() => parseTimeBound(bad, NOW, '--until')).toThrow(
        expect.objectContaining({
          code: 'USAGE',
          message: expect.stringMatching(/^--until must be a duration .* or an ISO 8601 time/),
        }),
      );
    }
  });
});
