import { sharedReads } from '../../../../activities/shared/shared-reads';

describe('sharedReads', () => {
  test('concurrent callers share one call; an answer is reused within the TTL, then read again', async () => {
    let now = 0;
    let calls = 0;
    const read = sharedReads(
      async (key) => {
        calls++;
        return `${key}:${calls}`;
      },
      1000,
      () => now,
    );
    const answers = await Promise.all([read('s'), read('s'), read('s')]);
    expect(answers).toEqual(['s:1', 's:1', 's:1']);
    now = 999;
    expect(await read('s')).toBe('s:1');
    expect(await read('other')).toBe('other:2');
    now = 1000;
    expect(await read('s')).toBe('s:3');
  });

  test('a failure is not kept: the next caller reads again', async () => {
    let calls = 0;
    const read = sharedReads(async () => {
      calls++;
      if (calls === 1) throw new Error('unavailable');
      return calls;
    }, 60_000);
    await expect(read('s')).rejects.toThrow('unavailable');
    expect(await read('s')).toBe(2);
    expect(await read('s')).toBe(2);
  });
});
