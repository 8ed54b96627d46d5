import { TicketSigner, websocketUrl } from '../../../src/ws/ticket';

const SECRET = 'a shared secret of the API processes';
const T = 1_800_000_000_000;

function signerAt(clock: { now: number }, ttlMs = 60_000, secret: string | Buffer = SECRET): TicketSigner {
  return new TicketSigner(secret, ttlMs, () => clock.now);
}

describe('TicketSigner', () => {
  test('a ticket is valid for its execution', () => {
    const clock = { now: T };
    const signer = signerAt(clock);
    const ticket = signer.issue('exec-1');
    expect(ticket).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify('exec-1', ticket)).toBe(true);
  });

  test('another process with the same secret accepts it', () => {
    const clock = { now: T };
    expect(signerAt(clock).verify('exec-1', signerAt(clock).issue('exec-1'))).toBe(true);
  });

  test('a ticket is scoped to one execution', () => {
    const clock = { now: T };
    const signer = signerAt(clock);
    const ticket = signer.issue('exec-1');
    expect(signer.verify('exec-2', ticket)).toBe(false);
    expect(signer.verify('exec-10', ticket)).toBe(false);
    expect(signer.verify('exec-', ticket)).toBe(false);
  });

  test('a ticket expires after its TTL', () => {
    const clock = { now: T };
    const signer = signerAt(clock, 60_000);
    const ticket = signer.issue('exec-1');
    clock.now = T + 60_000;
    expect(signer.verify('exec-1', ticket)).toBe(true);
    clock.now = T + 60_001;
    expect(signer.verify('exec-1', ticket)).toBe(false);
  });

  test('a ticket signed with another secret is refused', () => {
    const clock = { now: T };
    const forged = signerAt(clock, 60_000, 'another secret').issue('exec-1');
    expect(signerAt(clock).verify('exec-1', forged)).toBe(false);
    expect(new TicketSigner(undefined, 60_000, () => T).verify('exec-1', signerAt(clock).issue('exec-1'))).toBe(false);
  });

  test('an extended expiry breaks the signature', () => {
    const clock = { now: T };
    const signer = signerAt(clock);
    const [expiry, signature] = signer.issue('exec-1').split('.');
    const later = (parseInt(expiry ?? '0', 36) + 3_600_000).toString(36);
    expect(signer.verify('exec-1', `${later}.${signature}`)).toBe(false);
  });

  test('a tampered signature is refused', () => {
    const clock = { now: T };
    const signer = signerAt(clock);
    const ticket = signer.issue('exec-1');
    const last = ticket.at(-1) === 'A' ? 'B' : 'A';
    expect(signer.verify('exec-1', `${ticket.slice(0, -1)}${last}`)).toBe(false);
  });

  test.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['only a dot', '.'],
    ['a short signature', 'zzzzzz.abc'],
    ['a long signature', `zzzzzz.${'a'.repeat(44)}`],
    ['an upper-case expiry', `ZZZZZZ.${'a'.repeat(43)}`],
    ['an expiry too long', `${'z'.repeat(13)}.${'a'.repeat(43)}`],
    ['base64 padding', `zzzzzz.${'a'.repeat(42)}=`],
    ['extra parts', `zzzzzz.${'a'.repeat(43)}.x`],
    ['spaces', ` zzzzzz.${'a'.repeat(43)}`],
  ])('a garbled ticket (%s) is refused without throwing', (_label, ticket) => {
    const signer = signerAt({ now: T });
    expect(signer.verify('exec-1', ticket)).toBe(false);
  });

  test('a random ticket of the right shape is refused', () => {
    const signer = signerAt({ now: T });
    const expiry = (T + 10_000).toString(36);
    expect(signer.verify('exec-1', `${expiry}.${'A'.repeat(43)}`)).toBe(false);
  });
});

describe('websocketUrl', () => {
  test('carries the execution, the last index and the ticket, encoded', () => {
    const url = new URL(websocketUrl('127.0.0.1:8080', 'exec:1', 42, 'abc.d_e-f'));
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe('127.0.0.1:8080');
    expect(url.pathname).toBe('/ws');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      execution_id: 'exec:1',
      last_index: '42',
      ticket: 'abc.d_e-f',
    });
  });

  it('signs a holder (the API key id) into the ticket and gives it back', () => {
    const signer = new TicketSigner('secret-for-holders', 60_000, () => 1_000_000);
    const ticket = signer.issue('exec-1', '0123abcd');
    expect(ticket).toMatch(/^[0-9a-z]+\.0123abcd\.[A-Za-z0-9_-]{43}$/);
    expect(signer.holderOf('exec-1', ticket)).toBe('0123abcd');
    expect(signer.holderOf('exec-1', signer.issue('exec-1'))).toBe('');
    const [expiry, , signature] = ticket.split('.');
    expect(signer.holderOf('exec-1', `${expiry}.ffffffff.${signature}`)).toBeUndefined();
    expect(signer.holderOf('exec-1', `${expiry}.${signature}`)).toBeUndefined();
    expect(() => signer.issue('exec-1', 'not-hex')).toThrow(RangeError);
  });
});
