import { attributesSize, attributeValueSize, checkItemSizes } from '../../../../src/devstack/strict-aws/item-size';

const LIMIT = 400 * 1024;
const b64 = (bytes: number) => Buffer.alloc(bytes).toString('base64');

describe('DynamoDB item size, computed the documented way', () => {
  test('strings in UTF-8, binaries decoded, names counted', () => {
    expect(attributesSize({ id: { S: 'abc' } })).toBe(2 + 3);
    expect(attributesSize({ é: { S: 'é' } })).toBe(2 + 2);
    expect(attributesSize({ data: { B: b64(1000) } })).toBe(4 + 1000);
  });

  test('numbers: one byte per two significant digits, plus one', () => {
    expect(attributeValueSize({ N: '7' })).toBe(2);
    expect(attributeValueSize({ N: '1234' })).toBe(3);
    expect(attributeValueSize({ N: '12345' })).toBe(4);
    expect(attributeValueSize({ N: '-0.00120' })).toBe(2);
    expect(attributeValueSize({ N: '1000000' })).toBe(2);
  });

  test('booleans and nulls are one byte; lists and maps have 3 bytes plus 1 per element', () => {
    expect(attributeValueSize({ BOOL: true })).toBe(1);
    expect(attributeValueSize({ NULL: true })).toBe(1);
    expect(attributeValueSize({ L: [] })).toBe(3);
    expect(attributeValueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(attributeValueSize({ M: { k: { S: 'v' } } })).toBe(3 + (1 + 1 + 1));
    expect(attributeValueSize({ SS: ['a', 'bc'] })).toBe(3);
  });

  test('PutItem over 400 KB is a ValidationException; at the limit it passes', () => {
    const name = 'data';
    const item = (bytes: number) => ({ Item: { [name]: { B: b64(bytes) } } });
    expect(checkItemSizes('PutItem', item(LIMIT - name.length), LIMIT)).toBeUndefined();
    expect(checkItemSizes('PutItem', item(LIMIT - name.length + 1), LIMIT)).toEqual({
      status: 400,
      type: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
  });

  test('TransactWriteItems and BatchWriteItem check every put', () => {
    const big = { Item: { d: { B: b64(LIMIT) } } };
    const small = { Item: { d: { S: 'x' } } };
    expect(
      checkItemSizes('TransactWriteItems', { TransactItems: [{ Put: small }, { Put: big }] }, LIMIT),
    ).toBeDefined();
    expect(checkItemSizes('TransactWriteItems', { TransactItems: [{ Put: small }] }, LIMIT)).toBeUndefined();
    const batch = { RequestItems: { t: [{ PutRequest: small }, { PutRequest: big }] } };
    expect(checkItemSizes('BatchWriteItem', batch, LIMIT)).toBeDefined();
  });

  test('UpdateItem counts its key and the values its update expression writes, not its condition values', () => {
    const update = {
      Key: { id: { S: 'a' } },
      UpdateExpression: 'SET big = :big',
      ConditionExpression: 'other = :other',
      ExpressionAttributeValues: { ':big': { B: b64(1000) }, ':other': { B: b64(5000) } },
    };
    expect(checkItemSizes('UpdateItem', update, 1500)).toBeUndefined();
    expect(checkItemSizes('UpdateItem', update, 900)).toBeDefined();
  });
});
