import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * An item's size as DynamoDB bills it: attribute names plus values (numbers counted as about one
 * byte per two digits plus one), which is what write units are computed from (ceil(size / 1 KB)).
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (value.S !== undefined) size += Buffer.byteLength(value.S);
    else if (value.N !== undefined) size += Math.ceil(value.N.length / 2) + 1;
    else if (value.B !== undefined) size += value.B.length;
  }
  return size;
}
