import type { CompiledShape } from './compiled-shape';

/**
 * DynamoDB reads an `AttributeValue` as exactly one data type (`S`, `N`, `M`, ...). Its model does not say so
 * (the shape is a plain structure), but DynamoDB refuses `{}` (what `{ S: undefined }` becomes on the wire) and a
 * value with two types while it parses the request, before any other validation.
 */
export function attributeValueProblem(
  shape: CompiledShape,
  value: Readonly<Record<string, unknown>>,
): string | undefined {
  let set = 0;
  for (const member of shape.members) {
    const field = value[member.wireName];
    if (field !== undefined && field !== null) set++;
  }
  if (set === 0) return 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
  if (set > 1)
    return 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes';
  return undefined;
}
