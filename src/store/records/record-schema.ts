import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { StoreRecordError } from './record-error.js';

/**
 * Building blocks of the stored records' JSON schemas, and the one reader that checks a row
 * against them. Objects are closed (`additionalProperties: false`): a reader accepts exactly
 * the record version it was written for.
 */
const ajv = new Ajv({ strict: true, allErrors: false });

export const str: SchemaObject = { type: 'string' };
export const num: SchemaObject = { type: 'number' };
export const bool: SchemaObject = { type: 'boolean' };
/** A nullable text column. */
export const strOrNull: SchemaObject = { type: 'string', nullable: true };

export function oneOf(values: readonly string[]): SchemaObject {
  return { type: 'string', enum: [...values] };
}

export function list(items: SchemaObject): SchemaObject {
  return { type: 'array', items };
}

/** A closed object: `required` fields must be present, `optional` ones may be, nothing else. */
export function object(required: Record<string, SchemaObject>, optional: Record<string, SchemaObject> = {}): SchemaObject {
  return {
    type: 'object',
    properties: { ...required, ...optional },
    required: Object.keys(required),
    additionalProperties: false,
  };
}

export const tag = object({ key: str, value: str });

/**
 * How one table's rows are read: the columns that hold the entity, and the record of `version`
 * in the `spec` column, as one schema compiled once.
 */
export interface RowReader<Row, Spec> {
  /** The columns to select (`spec` included). */
  readonly columns: readonly (keyof Row & string)[];
  /**
   * Parses the spec and checks the row's entity columns (other selected values are ignored);
   * `StoreRecordError`, naming the table, the row id and the field, when they do not fit.
   */
  read(row: Row & { id: string; spec: string }): Omit<Row, 'spec'> & { spec: Spec };
}

/** A reader for `table`, whose rows have the `columns` besides `spec` (an object schema per column). */
export function rowReader<Row extends { id: string; spec: string }, Spec extends { v: number }>(
  table: string,
  version: Spec['v'],
  columns: { readonly [K in Exclude<keyof Row, 'spec'>]: SchemaObject },
  specSchema: SchemaObject,
): RowReader<Row, Spec> {
  const names = Object.keys(columns) as (Exclude<keyof Row, 'spec'> & string)[];
  const validate: ValidateFunction = ajv.compile(object({ ...columns, spec: specSchema }));
  return {
    columns: [...names, 'spec'],
    read(row) {
      let spec: unknown;
      try {
        spec = JSON.parse(row.spec);
      } catch (e) {
        throw new StoreRecordError(table, row.id, 'spec', 'is not JSON', { cause: e });
      }
      const v = spec !== null && typeof spec === 'object' ? (spec as { v?: unknown }).v : undefined;
      if (v !== version) {
        throw new StoreRecordError(table, row.id, 'spec.v', `is ${v === undefined ? 'absent' : JSON.stringify(v)}, and this Kiln reads record version ${version} only`);
      }
      const record: Record<string, unknown> = { spec };
      for (const name of names) record[name] = row[name];
      if (!validate(record)) {
        const [field, problem] = describe(validate.errors?.[0]);
        throw new StoreRecordError(table, row.id, field, problem);
      }
      return record as Omit<Row, 'spec'> & { spec: Spec };
    },
  };
}

/** An ajv error as a dotted field path (`spec.imageOptions.imageTags[0].key`) and what is wrong with it. */
function describe(e: ErrorObject | undefined): [string, string] {
  if (!e) return ['(row)', 'does not match its schema'];
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = '';
  for (const p of parts) path += /^\d+$/.test(p) ? `[${p}]` : path === '' ? p : `.${p}`;
  const join = (name: string) => (path === '' ? name : `${path}.${name}`);
  if (e.keyword === 'required') return [join(String(e.params.missingProperty)), 'is missing'];
  if (e.keyword === 'additionalProperties') return [join(String(e.params.additionalProperty)), 'is not a field of this record version'];
  if (e.keyword === 'enum') return [path || '(row)', `${e.message ?? 'is not allowed'}: ${(e.params.allowedValues as unknown[]).join(', ')}`];
  return [path || '(row)', e.message ?? 'is invalid'];
}

/** The keys `F` and `T` share with a value of `F` that `T` accepts. */
export type SameTypedKeys<F, T> = { [K in keyof F & keyof T]: F[K] extends T[K] ? K : never }[keyof F & keyof T];

/**
 * Sets on `to` each of `keys` that `from` has (not undefined), and returns `to`: an entity
 * read from a record has no key for an absent optional field. (Writing needs no such step:
 * `JSON.stringify` drops undefined values.)
 */
export function copyPresent<F extends object, T extends object>(from: F, to: T, keys: readonly SameTypedKeys<F, T>[]): T {
  for (const k of keys) {
    const v = from[k];
    if (v !== undefined) (to as Record<PropertyKey, unknown>)[k] = v;
  }
  return to;
}
