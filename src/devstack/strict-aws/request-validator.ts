import { compiledShape, type CompiledShape } from './compiled-shape';
import type { AwsServiceName, ServiceModel } from './service-model';
import { attributeValueProblem } from './dynamodb-attribute-value';
import { serializationProblem } from './wire-types';

/** An error answer as AWS gives it: HTTP status, `__type` and message. */
export interface AwsFault {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** The `__type` each service answers a model violation with. */
const VALIDATION_TYPE: Readonly<Record<AwsServiceName, string>> = {
  logs: 'InvalidParameterException',
  dynamodb: 'ValidationException',
  kinesis: 'ValidationException',
};

// AWS lists at most this many violations in one message (the count still covers all of them).
const MAX_LISTED = 10;
// Deeper than any AWS model nests (DynamoDB allows 32 attribute levels, two shapes each): guards the stack.
const MAX_DEPTH = 128;
// A value is echoed in the message; a 1 MB one would make the message useless.
const MAX_ECHOED_CHARS = 1024;

/**
 * Validates `input` (the parsed JSON body) against the input shape of `operationName` in `model`, the way
 * AWS does before it runs an operation: returns the fault AWS would answer, or undefined when the input is valid.
 */
export function validateRequest(model: ServiceModel, operationName: string, input: unknown): AwsFault | undefined {
  const operation = model.operations.get(operationName);
  if (operation === undefined) {
    return { status: 400, type: 'UnknownOperationException', message: `Unknown operation ${operationName}` };
  }
  if (operation.input === undefined) return undefined;
  const walk = new Walk(model);
  // The SDKs send `{}` for an operation whose members are all optional; an absent body means the same.
  walk.check(operation.input, input ?? {}, '', 0);
  if (walk.halted !== undefined) return walk.halted;
  if (walk.count === 0) return undefined;
  const type = VALIDATION_TYPE[model.service];
  const noun = walk.count === 1 ? 'error' : 'errors';
  return { status: 400, type, message: `${walk.count} validation ${noun} detected: ${walk.listed.join('; ')}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** One validation pass: counts every violation, keeps the text of the first few, stops at a wire-type error. */
class Walk {
  count = 0;
  readonly listed: string[] = [];
  /** A fault of the parsing step (wrong JSON type, nesting too deep): it ends the walk and wins over violations. */
  halted: AwsFault | undefined;

  constructor(private readonly model: ServiceModel) {}

  check(shapeName: string, value: unknown, path: string, depth: number): void {
    if (this.halted !== undefined) return;
    if (depth > MAX_DEPTH) {
      this.halt(VALIDATION_TYPE[this.model.service], 'Nesting Levels have exceeded supported limits');
      return;
    }
    // A shape the model does not define cannot be checked; AWS would not have published such a model.
    const shape = compiledShape(this.model, shapeName);
    if (shape === undefined) return;
    const problem = serializationProblem(shape.type, value);
    if (problem !== undefined) {
      this.halt('SerializationException', path === '' ? problem : `${problem} (at '${path}')`);
      return;
    }
    for (const constraint of ownViolations(shape, value)) this.violation(path, value, constraint);
    this.checkChildren(shape, value, path, depth);
  }

  private checkChildren(shape: CompiledShape, value: unknown, path: string, depth: number): void {
    if (shape.type === 'structure' && isRecord(value)) {
      if (this.model.service === 'dynamodb' && shape.name === 'AttributeValue') {
        const problem = attributeValueProblem(shape, value);
        if (problem !== undefined) {
          this.halt('ValidationException', problem);
          return;
        }
      }
      for (const member of shape.members) {
        const child = value[member.wireName];
        const childPath = join(path, member.pathName);
        // JSON null is "not set" for AWS, like an absent member.
        if (child === null || child === undefined) {
          if (member.required) this.violation(childPath, null, 'Member must not be null');
        } else {
          this.check(member.shape, child, childPath, depth + 1);
        }
      }
    } else if (shape.type === 'list' && Array.isArray(value) && shape.member !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const elementPath = `${path}.${i + 1}.member`;
        const element: unknown = value[i];
        if (element === null || element === undefined) this.violation(elementPath, null, 'Member must not be null');
        else this.check(shape.member, element, elementPath, depth + 1);
      }
    } else if (shape.type === 'map' && isRecord(value)) {
      this.checkMapEntries(shape, value, path, depth);
    }
  }

  // AWS reports a map's key and value constraints once, on the map: "Map value must satisfy constraint: [...]".
  private checkMapEntries(shape: CompiledShape, map: Record<string, unknown>, path: string, depth: number): void {
    const keyShape = shape.key === undefined ? undefined : compiledShape(this.model, shape.key);
    const valueShape = shape.value === undefined ? undefined : compiledShape(this.model, shape.value);
    const keyViolations = new Set<string>();
    const valueViolations = new Set<string>();
    for (const [key, entry] of Object.entries(map)) {
      if (keyShape !== undefined) for (const constraint of ownViolations(keyShape, key)) keyViolations.add(constraint);
      if (valueShape === undefined) continue;
      if (entry === null || entry === undefined) {
        valueViolations.add('Member must not be null');
        continue;
      }
      const problem = serializationProblem(valueShape.type, entry);
      if (problem !== undefined) {
        this.halt('SerializationException', `${problem} (at '${join(path, key)}')`);
        return;
      }
      for (const constraint of ownViolations(valueShape, entry)) valueViolations.add(constraint);
      if (depth + 1 > MAX_DEPTH) {
        this.halt(VALIDATION_TYPE[this.model.service], 'Nesting Levels have exceeded supported limits');
        return;
      }
      this.checkChildren(valueShape, entry, join(path, key), depth + 1);
      if (this.halted !== undefined) return;
    }
    if (keyViolations.size > 0)
      this.violation(path, map, `Map keys must satisfy constraint: [${[...keyViolations].join(', ')}]`);
    if (valueViolations.size > 0) {
      this.violation(path, map, `Map value must satisfy constraint: [${[...valueViolations].join(', ')}]`);
    }
  }

  private halt(type: string, message: string): void {
    this.halted = { status: 400, type, message };
  }

  private violation(path: string, value: unknown, constraint: string): void {
    this.count++;
    if (this.listed.length >= MAX_LISTED) return;
    this.listed.push(`Value ${echo(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }
}

/** The constraints a value breaks by itself (length, range, enum, pattern), in the order AWS lists them. */
function ownViolations(shape: CompiledShape, value: unknown): string[] {
  const found: string[] = [];
  switch (shape.type) {
    case 'string': {
      const text = value as string;
      if (shape.enumValues !== undefined && !shape.enumValues.has(text)) {
        found.push(`Member must satisfy enum value set: ${shape.enumText ?? ''}`);
      }
      if (shape.pattern !== undefined && !shape.pattern.test(text)) {
        found.push(`Member must satisfy regular expression pattern: ${shape.patternText ?? ''}`);
      }
      lengthViolations(shape, stringLength(text, shape), found);
      break;
    }
    case 'list':
      lengthViolations(shape, (value as unknown[]).length, found);
      break;
    case 'map':
      lengthViolations(shape, Object.keys(value as object).length, found);
      break;
    case 'blob':
      lengthViolations(shape, base64DecodedLength(value as string), found);
      break;
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      if (typeof value === 'number') {
        if (shape.min !== undefined && value < shape.min) {
          found.push(`Member must have value greater than or equal to ${shape.min}`);
        }
        if (shape.max !== undefined && value > shape.max) {
          found.push(`Member must have value less than or equal to ${shape.max}`);
        }
      }
      break;
    default:
      break;
  }
  return found;
}

function lengthViolations(shape: CompiledShape, length: number, found: string[]): void {
  if (shape.min !== undefined && length < shape.min) {
    found.push(`Member must have length greater than or equal to ${shape.min}`);
  }
  if (shape.max !== undefined && length > shape.max) {
    found.push(`Member must have length less than or equal to ${shape.max}`);
  }
}

/**
 * AWS counts a string's length in code points. A string of n UTF-16 units holds between ceil(n/2) and n of them;
 * where that range cannot cross a bound, n gives the same verdict, so a 1 MB batch is not walked a second time.
 */
function stringLength(text: string, shape: CompiledShape): number {
  const units = text.length;
  const fewest = Math.ceil(units / 2);
  const minUndecided = shape.min !== undefined && units >= shape.min && fewest < shape.min;
  const maxUndecided = shape.max !== undefined && units > shape.max && fewest <= shape.max;
  if (!minUndecided && !maxUndecided) return units;
  let count = 0;
  for (let i = 0; i < units; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < units) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

function base64DecodedLength(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */) end--;
  return Math.floor((end * 3) / 4);
}

function echo(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `'${text.length > MAX_ECHOED_CHARS ? `${text.slice(0, MAX_ECHOED_CHARS)}...` : text}'`;
}
