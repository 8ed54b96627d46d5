import type { BotocoreShape } from './service-model';

/**
 * AWS's JSON services parse a body into typed objects before they validate it: a value of the wrong JSON type
 * fails there, as `SerializationException`, with the parser's wording (`NUMBER_VALUE cannot be converted to
 * String`). These are the checks and wordings of that step.
 */

// The JSON protocol carries blobs as base64 (padding optional, as AWS's decoder accepts it).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// botocore serializes non-finite doubles as these strings.
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

const JAVA_CLASS: Readonly<Record<BotocoreShape['type'], string>> = {
  structure: 'Structure',
  list: 'List',
  map: 'Map',
  string: 'String',
  integer: 'Integer',
  long: 'Long',
  boolean: 'Boolean',
  timestamp: 'Date',
  blob: 'ByteBuffer',
  double: 'Double',
  float: 'Float',
};

/** The parser's token name for a JSON scalar. */
function token(value: unknown): string {
  if (typeof value === 'string') return 'STRING_VALUE';
  if (typeof value === 'boolean') return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (typeof value === 'number') return Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE';
  return 'VALUE';
}

/** Why `value` cannot be read as a `type` shape, in AWS's words, or undefined when it can. */
export function serializationProblem(type: BotocoreShape['type'], value: unknown): string | undefined {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const isArray = Array.isArray(value);
  switch (type) {
    case 'structure':
    case 'map':
      if (isObject) return undefined;
      return isArray ? 'Start of list found where not expected' : 'Unexpected field type';
    case 'list':
      if (isArray) return undefined;
      return isObject ? 'Start of structure or map found where not expected' : 'Unexpected field type';
    default:
      break;
  }
  if (isObject) return 'Start of structure or map found where not expected';
  if (isArray) return `Unrecognized collection type class java.lang.${JAVA_CLASS[type]}`;
  if (scalarFits(type, value)) return undefined;
  if (type === 'blob' && typeof value === 'string') return 'Base64 encoded data is invalid';
  return `${token(value)} cannot be converted to ${JAVA_CLASS[type]}`;
}

function scalarFits(type: BotocoreShape['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isInteger(value);
    case 'double':
    case 'float':
      return typeof value === 'number' || (typeof value === 'string' && NON_FINITE.has(value));
    case 'timestamp':
      // Epoch seconds as the SDKs send them; an ISO-8601 string is accepted too.
      return (
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
      );
    case 'blob':
      return typeof value === 'string' && value.length % 4 !== 1 && BASE64.test(value);
    default:
      return true;
  }
}
