/**
 * Request validation against Qdrant's own OpenAPI 3.0 description
 * (test/fixtures/qdrant/openapi-1.19.0.json, Apache-2.0, see the NOTICE beside it).
 *
 * OpenAPI 3.0 schemas are almost JSON Schema draft-07; the differences that matter here are
 * `nullable` (3.0 has no `null` type) and a few annotation keywords ajv does not know. We rewrite
 * the components once into plain draft-07, register them under one id so `#/components/...`
 * refs resolve, and compile one validator per operation the first time it is used.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const SPEC_PATH = fileURLToPath(new URL('../../fixtures/qdrant/openapi-1.19.0.json', import.meta.url));
const SPEC_ID = 'qdrant-openapi';

type Json = any;

/** One operation of the description: what a request must look like. */
export interface Operation {
  operationId: string;
  method: string;
  template: string;
  /** Named path params in template order. */
  pathParams: string[];
  hasBody: boolean;
}

export interface MatchedOperation {
  operation: Operation;
  params: Record<string, string>;
}

export interface ValidationResult {
  ok: boolean;
  errors: string;
}

/** Rewrite one OpenAPI 3.0 schema node into draft-07 (pure; returns a new tree). */
export function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // Annotations only; ajv would reject them as unknown keywords in strict mode.
    if (key === 'example' || key === 'deprecated' || key === 'nullable' || key === 'discriminator') continue;
    out[key] = key === 'enum' || key === 'required' ? value : toJsonSchema(value);
  }
  if (node.nullable === true) {
    if (typeof node.type === 'string') out.type = [node.type, 'null'];
    // `{nullable: true}` alone is how Qdrant writes "or null" inside anyOf; without a type it would
    // otherwise accept anything and silently disable validation of that branch.
    else if (node.type === undefined && node.$ref === undefined && node.anyOf === undefined && node.oneOf === undefined && node.allOf === undefined)
      out.type = 'null';
  }
  // An enum of strings that is nullable must list null too, or null fails the enum.
  if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) out.enum = [...node.enum, null];
  return out;
}

const isUint = (n: number) => Number.isInteger(n) && n >= 0;
const isInt = (n: number) => Number.isInteger(n);

function buildAjv(spec: Json): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
  const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: Ajv) => Ajv;
  addFormats(ajv);
  // Rust numeric formats used throughout the description.
  for (const name of ['uint', 'uint8', 'uint32', 'uint64']) ajv.addFormat(name, { type: 'number', validate: isUint });
  for (const name of ['int64']) ajv.addFormat(name, { type: 'number', validate: isInt });
  for (const name of ['float', 'double']) ajv.addFormat(name, { type: 'number', validate: Number.isFinite });
  ajv.addFormat('partial-date-time', true);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: toJsonSchema(spec.components.schemas) } });
  return ajv;
}

function refSchema(schema: Json): Json {
  // Param and body schemas inside paths use '#/components/...' refs relative to the whole document.
  const rewritten = JSON.parse(JSON.stringify(toJsonSchema(schema)).replaceAll('"#/components/', `"${SPEC_ID}#/components/`));
  return rewritten;
}

function formatErrors(errors: ErrorObject[] | null | undefined, where: string): string {
  return (errors ?? []).map((e) => `${where}${e.instancePath || ''} ${e.message ?? 'invalid'}${e.params ? ' ' + JSON.stringify(e.params) : ''}`).join('; ');
}

/** Coerce a query-string value into the JSON value it most likely stands for. */
function coerceQueryValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return raw;
}

interface Compiled {
  body?: ValidateFunction;
  query: Map<string, { required: boolean; validate: ValidateFunction }>;
  path: Map<string, ValidateFunction>;
  response?: ValidateFunction;
}

/** The whole description, loaded and rewritten once, with lazily compiled per-operation validators. */
export class OpenApiSpec {
  readonly operations: Operation[] = [];
  private readonly raw: Json;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, Compiled>();
  private readonly routes: Array<{ operation: Operation; pattern: RegExp; literalSegments: number }> = [];

  constructor(raw: Json) {
    this.raw = raw;
    this.ajv = buildAjv(raw);
    for (const [template, item] of Object.entries<Json>(raw.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        if (typeof op !== 'object' || !op.operationId) continue;
        const pathParams = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const operation: Operation = { operationId: op.operationId, method: method.toUpperCase(), template, pathParams, hasBody: op.requestBody !== undefined };
        this.operations.push(operation);
        const pattern = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)').replace(/\{[^}]+\}/g, '([^/]+)') + '$');
        const literalSegments = template.split('/').filter((s) => s && !s.startsWith('{')).length;
        this.routes.push({ operation, pattern, literalSegments });
      }
    }
    // Prefer the most literal template, so /points/scroll wins over /points/{id}.
    this.routes.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** Find the operation for a method and a decoded-per-segment path; undefined when none. */
  match(method: string, path: string): MatchedOperation | undefined {
    for (const route of this.routes) {
      if (route.operation.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.operation.pathParams.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      return { operation: route.operation, params };
    }
    return undefined;
  }

  private compile(operation: Operation): Compiled {
    const key = `${operation.method} ${operation.template}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const op = this.raw.paths[operation.template][operation.method.toLowerCase()];
    const compiled: Compiled = { query: new Map(), path: new Map() };
    for (const p of op.parameters ?? []) {
      const validate = this.ajv.compile(refSchema(p.schema ?? {}));
      if (p.in === 'query') compiled.query.set(p.name, { required: p.required === true, validate });
      if (p.in === 'path') compiled.path.set(p.name, validate);
    }
    const bodySchema = op.requestBody?.content?.['application/json']?.schema;
    if (bodySchema) compiled.body = this.ajv.compile(refSchema(bodySchema));
    const okSchema = op.responses?.['200']?.content?.['application/json']?.schema;
    if (okSchema) compiled.response = this.ajv.compile(refSchema(okSchema));
    this.compiled.set(key, compiled);
    return compiled;
  }

  /** Validate path params, query params and the JSON body of one request. */
  validateRequest(match: MatchedOperation, query: URLSearchParams, body: unknown, bodyPresent: boolean): ValidationResult {
    const compiled = this.compile(match.operation);
    const problems: string[] = [];
    for (const [name, validate] of compiled.path) {
      if (!validate(match.params[name])) problems.push(formatErrors(validate.errors, `path.${name}`));
    }
    for (const [name, { required, validate }] of compiled.query) {
      const raw = query.get(name);
      if (raw === null) {
        if (required) problems.push(`query.${name} is required`);
        continue;
      }
      // Query strings carry no types: accept the raw string or its obvious JSON reading.
      if (!validate(raw) && !validate(coerceQueryValue(raw))) problems.push(formatErrors(validate.errors, `query.${name}`));
    }
    if (compiled.body) {
      if (!bodyPresent) problems.push('body: a JSON body is required');
      else if (!compiled.body(body)) problems.push(formatErrors(compiled.body.errors, 'body'));
    }
    return { ok: problems.length === 0, errors: problems.join('; ') };
  }

  /** Check a successful answer against the documented 200 shape (keeps the double honest). */
  validateResponse(operation: Operation, body: unknown): ValidationResult {
    const compiled = this.compile(operation);
    if (!compiled.response || compiled.response(body)) return { ok: true, errors: '' };
    return { ok: false, errors: formatErrors(compiled.response.errors, 'response') };
  }
}

let shared: OpenApiSpec | undefined;

/** The description is large (0.5 MB); load and rewrite it once per process. */
export function qdrantSpec(): OpenApiSpec {
  shared ??= new OpenApiSpec(JSON.parse(readFileSync(SPEC_PATH, 'utf8')));
  return shared;
}
