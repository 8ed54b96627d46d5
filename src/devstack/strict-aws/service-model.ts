import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ToolchainMissingError } from '../errors';
import { botocoreDataDir } from '../toolchain';

/** The AWS services the strict layer understands (all speak the AWS JSON protocol). */
export type AwsServiceName = 'logs' | 'dynamodb' | 'kinesis';

/** A reference from one shape to another, as botocore writes it (`{"shape": "Name"}`). */
export interface ShapeRef {
  readonly shape: string;
}

/** One botocore shape: the fields of `service-2.json` that request validation reads. */
export interface BotocoreShape {
  readonly type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'timestamp'
    | 'blob'
    | 'double'
    | 'float';
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly min?: number;
  readonly max?: number;
  readonly enum?: readonly string[];
  readonly pattern?: string;
}

/** One operation of the model: its name and input shape (absent when it takes no input). */
export interface OperationModel {
  readonly name: string;
  readonly input?: string;
}

/** A service's published model as botocore ships it, read from the toolchain venv. */
export interface ServiceModel {
  readonly service: AwsServiceName;
  /** The model's API version directory, e.g. `2014-03-28`. */
  readonly apiVersion: string;
  /** `metadata.targetPrefix`: `X-Amz-Target` is `<targetPrefix>.<Operation>`. */
  readonly targetPrefix: string;
  readonly operations: ReadonlyMap<string, OperationModel>;
  readonly shapes: ReadonlyMap<string, BotocoreShape>;
  /** The file it was read from (for error messages). */
  readonly file: string;
}

const cache = new Map<string, ServiceModel>();

/** Loads (once per data directory and service) the newest botocore model of `service`. */
export function loadServiceModel(service: AwsServiceName, dataDir: string = botocoreDataDir()): ServiceModel {
  const key = `${dataDir}\u0000${service}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const model = readServiceModel(service, dataDir);
  cache.set(key, model);
  return model;
}

/** The operation an `X-Amz-Target` header names in this model, or undefined when it is not this service's. */
export function operationOfTarget(model: ServiceModel, target: string): string | undefined {
  const dot = target.lastIndexOf('.');
  if (dot < 0 || target.slice(0, dot) !== model.targetPrefix) return undefined;
  return target.slice(dot + 1);
}

function readServiceModel(service: AwsServiceName, dataDir: string): ServiceModel {
  const serviceDir = path.join(dataDir, service);
  const missing = new ToolchainMissingError([`botocore model of ${service} in ${serviceDir}`]);
  if (!existsSync(serviceDir)) throw missing;
  // API versions are ISO dates, so the lexicographically last one is the newest.
  const versions = readdirSync(serviceDir)
    .filter((version) => modelFile(serviceDir, version) !== undefined)
    .sort();
  const apiVersion = versions[versions.length - 1];
  if (apiVersion === undefined) throw missing;
  const file = modelFile(serviceDir, apiVersion) ?? '';
  const raw = readFileSync(file);
  const json: unknown = JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
  return parseModel(service, apiVersion, file, json);
}

function modelFile(serviceDir: string, version: string): string | undefined {
  return ['service-2.json.gz', 'service-2.json']
    .map((name) => path.join(serviceDir, version, name))
    .find((file) => existsSync(file));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseModel(service: AwsServiceName, apiVersion: string, file: string, json: unknown): ServiceModel {
  const metadata = isRecord(json) ? json.metadata : undefined;
  const operations = isRecord(json) ? json.operations : undefined;
  const shapes = isRecord(json) ? json.shapes : undefined;
  const targetPrefix = isRecord(metadata) ? metadata.targetPrefix : undefined;
  if (typeof targetPrefix !== 'string' || !isRecord(operations) || !isRecord(shapes)) {
    throw new ToolchainMissingError([`a readable botocore model (${file} lacks metadata, operations or shapes)`]);
  }
  const operationMap = new Map<string, OperationModel>();
  for (const [name, operation] of Object.entries(operations)) {
    const input = isRecord(operation) && isRecord(operation.input) ? operation.input.shape : undefined;
    operationMap.set(name, typeof input === 'string' ? { name, input } : { name });
  }
  // The model's own JSON is trusted for its field types; validation reads only the fields named in BotocoreShape.
  const shapeMap = new Map(Object.entries(shapes as Record<string, BotocoreShape>));
  return { service, apiVersion, targetPrefix, operations: operationMap, shapes: shapeMap, file };
}
