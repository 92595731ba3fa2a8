import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { StoreRecordError, UnnamedRecordError } from './record-error.js';

/**
 * Building blocks of the stored records' JSON schemas, and the one reader that checks a spec
 * against them. Objects are closed (every property name is one of the schema's): a reader
 * accepts exactly the record version it was written for.
 */
const ajv = new Ajv({ strict: true, allErrors: false });

export const str: SchemaObject = { type: 'string' };
export const num: SchemaObject = { type: 'number' };
export const bool: SchemaObject = { type: 'boolean' };

export function oneOf(values: readonly string[]): SchemaObject {
  return { type: 'string', enum: [...values] };
}

export function list(items: SchemaObject): SchemaObject {
  return { type: 'array', items };
}

/** A closed object: `required` fields must be present, `optional` ones may be, nothing else. */
export function object(required: Record<string, SchemaObject>, optional: Record<string, SchemaObject> = {}): SchemaObject {
  const properties = { ...required, ...optional };
  return {
    type: 'object',
    properties,
    required: Object.keys(required),
    // Closed by `propertyNames` rather than `additionalProperties: false`: for an object of more
    // than 8 fields ajv checks the latter with a hasOwnProperty call per key, which made checking
    // a template's record cost a sixth of parsing it (~10 µs a page of 50; this, a few).
    propertyNames: { enum: Object.keys(properties) },
  };
}

export const tag = object({ key: str, value: str });

/**
 * How one table's records are read: the `spec` column alone, parsed and checked against the
 * schema of record `version` (compiled once). The record holds the whole entity; the table's
 * other columns are copies for indexes, uniqueness and filters, and a read does not select them.
 */
export interface RecordReader<Spec> {
  /**
   * The record in the text of a row's `spec`, checked; `StoreRecordError` naming the table, the
   * row and the field when it does not fit. The row is named by `id` when the caller knows it
   * (a read by id), else by the record's own id field; when neither names it (the spec is not
   * JSON, say), the error is an `UnnamedRecordError` (see `readRecords`).
   */
  read(spec: string, id?: string): Spec;
}

/** The reader of `table`'s records of `version`, whose id is the record's field `idField`. */
export function recordReader<Spec extends { v: number }>(
  table: string,
  version: Spec['v'],
  idField: keyof Spec & string,
  schema: SchemaObject,
): RecordReader<Spec> {
  const validate: ValidateFunction = ajv.compile(schema);
  const fail = (text: string, id: string | undefined, field: string, problem: string, cause?: unknown) => {
    const options = cause === undefined ? undefined : { cause };
    return id === undefined ? new UnnamedRecordError(table, text, field, problem, options) : new StoreRecordError(table, id, field, problem, options);
  };
  return {
    read(text, known) {
      let spec: unknown;
      try {
        spec = JSON.parse(text);
      } catch (e) {
        throw fail(text, known, 'spec', 'is not JSON', e);
      }
      const record = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>) : {};
      const own = record[idField];
      const id = known ?? (typeof own === 'string' ? own : undefined);
      const v = record.v;
      if (v !== version) {
        throw fail(text, id, 'spec.v', `is ${v === undefined ? 'absent' : JSON.stringify(v)}, and this Kiln reads record version ${version} only`);
      }
      if (!validate(spec)) {
        const [field, problem] = describe(validate.errors?.[0]);
        throw fail(text, id, field, problem);
      }
      return spec as Spec;
    },
  };
}

/** An ajv error of a spec as a dotted field path (`spec.imageOptions.imageTags[0].key`) and what is wrong with it. */
function describe(e: ErrorObject | undefined): [string, string] {
  if (!e) return ['spec', 'does not match its schema'];
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = 'spec';
  for (const p of parts) path += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  if (e.keyword === 'required') return [`${path}.${String(e.params.missingProperty)}`, 'is missing'];
  if (e.propertyName !== undefined) return [`${path}.${e.propertyName}`, 'is not a field of this record version'];
  if (e.keyword === 'enum') return [path, `${e.message ?? 'is not allowed'}: ${(e.params.allowedValues as unknown[]).join(', ')}`];
  return [path, e.message ?? 'is invalid'];
}
