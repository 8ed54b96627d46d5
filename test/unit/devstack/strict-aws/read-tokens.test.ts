import { TokenCodec } from '../../../../src/devstack/strict-aws/read-tokens';

const DAY = 24 * 3_600_000;

describe('TokenCodec', () => {
  test('a token opens to what it stands for, within its scope and lifetime', () => {
    const codec = new TokenCodec();
    const token = codec.issue({ inner: 'f/0001', scope: 'g/s', issuedAt: 1000 }, 'f/');
    expect(token).toMatch(/^f\//);
    expect(codec.open(token, 'g/s', 1000 + DAY, DAY)).toEqual({ inner: 'f/0001', scope: 'g/s', issuedAt: 1000 });
  });

  test('every token is new, even for the same position', () => {
    const codec = new TokenCodec();
    const payload = { inner: null, scope: 's', issuedAt: 0 };
    expect(codec.issue(payload)).not.toBe(codec.issue(payload));
  });

  test('expired, foreign, tampered and unknown tokens are refused', () => {
    const codec = new TokenCodec();
    const token = codec.issue({ inner: 'f/1', scope: 'a', issuedAt: 0 });
    expect(codec.open(token, 'a', DAY + 1, DAY)).toBe('expired');
    const invalid = 'invalid';
    expect(codec.open(token, 'b', 0, DAY)).toEqual(invalid);
    expect(codec.open(`${token.slice(0, -2)}xx`, 'a', 0, DAY)).toEqual(invalid);
    expect(codec.open('f/00000000000000000000000000000000000000000000000000000001', 'a', 0, DAY)).toEqual(invalid);
    expect(codec.open(new TokenCodec().issue({ inner: 'f/1', scope: 'a', issuedAt: 0 }), 'a', 0, DAY)).toEqual(invalid);
  });
});
