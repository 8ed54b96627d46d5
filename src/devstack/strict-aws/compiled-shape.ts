import type { BotocoreShape, ServiceModel } from './service-model';

/** A structure member ready for validation: its wire name, its name in AWS's messages and its shape. */
export interface CompiledMember {
  readonly wireName: string;
  /** How AWS names the member in a validation message: the wire name with a lower-case first letter. */
  readonly pathName: string;
  readonly shape: string;
  readonly required: boolean;
}

/** A botocore shape prepared once per model: regex compiled, enum as a set, members listed. */
export interface CompiledShape {
  readonly name: string;
  readonly type: BotocoreShape['type'];
  readonly min?: number;
  readonly max?: number;
  readonly enumValues?: ReadonlySet<string>;
  /** `[A, B, C]`, as AWS prints an enum in "Member must satisfy enum value set". */
  readonly enumText?: string;
  readonly pattern?: RegExp;
  readonly patternText?: string;
  readonly members: readonly CompiledMember[];
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
}

const compiledByModel = new WeakMap<ServiceModel, Map<string, CompiledShape>>();

/** The compiled form of `name` in `model`, built on first use and kept for the model's lifetime. */
export function compiledShape(model: ServiceModel, name: string): CompiledShape | undefined {
  let compiled = compiledByModel.get(model);
  if (compiled === undefined) {
    compiled = new Map();
    compiledByModel.set(model, compiled);
  }
  const hit = compiled.get(name);
  if (hit !== undefined) return hit;
  const shape = model.shapes.get(name);
  if (shape === undefined) return undefined;
  const built = compile(name, shape);
  compiled.set(name, built);
  return built;
}

function compile(name: string, shape: BotocoreShape): CompiledShape {
  const required = new Set(shape.required ?? []);
  const members = Object.entries(shape.members ?? {}).map(([wireName, ref]) => ({
    wireName,
    pathName: wireName.charAt(0).toLowerCase() + wireName.slice(1),
    shape: ref.shape,
    required: required.has(wireName),
  }));
  const pattern = shape.pattern === undefined ? undefined : compilePattern(shape.pattern);
  return {
    name,
    type: shape.type,
    min: shape.min,
    max: shape.max,
    enumValues: shape.enum === undefined ? undefined : new Set(shape.enum),
    enumText: shape.enum === undefined ? undefined : `[${shape.enum.join(', ')}]`,
    pattern,
    patternText: pattern === undefined ? undefined : shape.pattern,
    members,
    member: shape.member?.shape,
    key: shape.key?.shape,
    value: shape.value?.shape,
  };
}

/**
 * botocore patterns are Java regexes that AWS matches against the whole value (`String.matches`), so the
 * compiled form is anchored. A Java construct JavaScript cannot compile (e.g. `\p{Print}`) is skipped:
 * the layer then accepts what AWS might refuse for that one field, rather than refusing everything.
 */
function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return undefined;
  }
}
