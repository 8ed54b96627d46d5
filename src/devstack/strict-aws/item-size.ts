import { clientFault, type AwsFault } from './aws-fault';

/** A DynamoDB attribute value in the JSON protocol's form ({"S": "..."}, {"N": "..."}, {"B": base64}, ...). */
type JsonAttributeValue = Record<string, unknown>;

function numberSize(text: string): number {
  // Significant digits only: sign, point, exponent and leading/trailing zeros do not count.
  const mantissa = text
    .replace(/^[+-]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const digits = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function binarySize(base64: unknown): number {
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64').length : 0;
}

/** The size of one attribute value as DynamoDB documents it. */
export function attributeValueSize(value: JsonAttributeValue): number {
  const [type, content] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : 0;
    case 'N':
      return typeof content === 'string' ? numberSize(content) : 0;
    case 'B':
      return binarySize(content);
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return Array.isArray(content) ? content.reduce((sum: number, s) => sum + Buffer.byteLength(String(s)), 0) : 0;
    case 'NS':
      return Array.isArray(content) ? content.reduce((sum: number, n) => sum + numberSize(String(n)), 0) : 0;
    case 'BS':
      return Array.isArray(content) ? content.reduce((sum: number, b) => sum + binarySize(b), 0) : 0;
    case 'L':
      // Lists and maps: 3 bytes of overhead, plus 1 byte per element.
      return Array.isArray(content)
        ? 3 + content.reduce((sum: number, v) => sum + 1 + attributeValueSize(v as JsonAttributeValue), 0)
        : 3;
    case 'M':
      return typeof content === 'object' && content !== null ? 3 + attributesSize(content as JsonItem, 1) : 3;
    default:
      return 0;
  }
}

/** An item in the JSON protocol's form: attribute name → value. */
export type JsonItem = Record<string, JsonAttributeValue>;

/** The size of an item: the UTF-8 length of each attribute name plus the size of its value (plus 1 byte in maps). */
export function attributesSize(item: JsonItem, elementOverhead = 0): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name, 'utf8') + attributeValueSize(value) + elementOverhead;
  }
  return size;
}

function tooLarge(): AwsFault {
  return clientFault('ValidationException', 'Item size has exceeded the maximum allowed size');
}

function isItem(value: unknown): value is JsonItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The least an UpdateItem writes: its key plus the values its update expression uses. The whole updated item is
 * only known to the emulator (which also checks it, with its own looser limit).
 */
function updateSize(update: Record<string, unknown>): number {
  const key = isItem(update.Key) ? attributesSize(update.Key) : 0;
  const expression = typeof update.UpdateExpression === 'string' ? update.UpdateExpression : '';
  const values = isItem(update.ExpressionAttributeValues) ? update.ExpressionAttributeValues : {};
  let size = key;
  for (const placeholder of new Set(expression.match(/:[A-Za-z0-9_]+/g) ?? [])) {
    const value = values[placeholder];
    if (value !== undefined) size += attributeValueSize(value);
  }
  return size;
}

/** ValidationException when a PutItem, UpdateItem or TransactWriteItems request writes an item over `maxBytes`. */
export function checkItemSizes(
  operation: string,
  input: Record<string, unknown>,
  maxBytes: number,
): AwsFault | undefined {
  const sizes: number[] = [];
  if (operation === 'PutItem' && isItem(input.Item)) sizes.push(attributesSize(input.Item));
  if (operation === 'UpdateItem') sizes.push(updateSize(input));
  if (operation === 'TransactWriteItems' && Array.isArray(input.TransactItems)) {
    for (const entry of input.TransactItems as Record<string, unknown>[]) {
      const put = entry.Put as Record<string, unknown> | undefined;
      const update = entry.Update as Record<string, unknown> | undefined;
      if (put && isItem(put.Item)) sizes.push(attributesSize(put.Item));
      if (update) sizes.push(updateSize(update));
    }
  }
  if (operation === 'BatchWriteItem' && isItem(input.RequestItems)) {
    for (const requests of Object.values(input.RequestItems)) {
      if (!Array.isArray(requests)) continue;
      for (const request of requests as Record<string, unknown>[]) {
        const put = request.PutRequest as Record<string, unknown> | undefined;
        if (put && isItem(put.Item)) sizes.push(attributesSize(put.Item));
      }
    }
  }
  return sizes.some((size) => size > maxBytes) ? tooLarge() : undefined;
}
