import type { InputOf } from './infer.js';
import type { AnyParam, Fields, ListParam, ObjectListParam, ScalarParam, StructParam, ViolationContext } from './param.js';

/** The flat RPC parameter map of one request (`Tag.1.Key=…`, `ImageOptions.ImageName=…`). */
export type RawParams = Readonly<Record<string, string>>;

/**
 * Reads `raw` into the input `fields` describe, checking each parameter on its own in the
 * order the spec lists them; the first violation is thrown as its documented `KilnError`.
 * Absent optional parameters stay absent (or take their `default`); lists and object lists
 * are always arrays.
 *
 * Lists are 1-based (`ToRegionId.1`); official clients may leave gaps where they skipped a
 * null entry, so indexes are collected and sorted rather than counted from 1. Messages quote
 * an entry by its position among the entries sent.
 */
export function readInput<F extends Fields>(fields: F, raw: RawParams): InputOf<F> {
  return readFields(fields, { raw, keys: Object.keys(raw) }, { key: '', name: '', path: '' }) as InputOf<F>;
}

/** The request's parameters, with their names listed once (flattened parameters are found by prefix). */
interface Params {
  raw: RawParams;
  keys: readonly string[];
}

/** Where a parameter sits: its wire key prefix, its documented name and its positional path. */
interface At {
  key: string;
  name: string;
  path: string;
}

function readFields(fields: Fields, raw: Params, at: At): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, param] of Object.entries(fields)) {
    const value = readParam(param, raw, { key: at.key + param.wire, name: at.name + param.wire, path: at.path + param.wire });
    if (value !== undefined) out[field] = value;
  }
  return out;
}

function readParam(param: AnyParam, raw: Params, at: At): unknown {
  switch (param.kind) {
    case 'list': return readList(param, raw, at);
    case 'objects': return readObjects(param, raw, at);
    case 'struct': return readStruct(param, raw, at);
    default: return readScalar(param, nonEmpty(raw.raw[at.key]), at);
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function context(at: At, value: string, allowed: readonly string[] = []): ViolationContext {
  return { name: at.name, path: at.path, value, allowed };
}

const INTEGER = /^-?\d{1,15}$/;

function readScalar(p: ScalarParam, v: string | undefined, at: At): unknown {
  if (v === undefined) {
    if (p.required) throw p.required.error(context(at, ''));
    return p.default;
  }
  switch (p.kind) {
    case 'integer': {
      if (!INTEGER.test(v.trim())) throw p.type.error(context(at, v));
      const n = Number(v.trim());
      const r = p.range;
      if (r && ((r.min !== undefined && n < r.min) || (r.max !== undefined && n > r.max))) throw r.violation.error(context(at, String(n)));
      return n;
    }
    case 'boolean': {
      const lower = v.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower === 'true';
      throw p.type.error(context(at, v));
    }
    case 'json':
      try {
        return JSON.parse(v) as unknown;
      } catch {
        throw p.type.error(context(at, v));
      }
    default:
      return checkString(p, v, at);
  }
}

function checkString(p: ScalarParam, v: string, at: At): string {
  let value = v;
  if (p.enum) {
    const { values, ignoreCase, violation } = p.enum;
    const found = values.find((x) => (ignoreCase ? x.toLowerCase() === v.toLowerCase() : x === v));
    if (found === undefined) throw violation.error(context(at, v, values));
    value = found;
  }
  if (p.rule && !p.rule.test(v)) throw p.rule.violation.error(context(at, v));
  const l = p.length;
  if (l && ((l.min !== undefined && v.length < l.min) || (l.max !== undefined && v.length > l.max))) throw l.violation.error(context(at, v));
  return value;
}

/** Indexes N present for keys `<prefix>.N` or `<prefix>.N.<sub>`, ascending. */
function indexes(raw: Params, prefix: string): number[] {
  const found = new Set<number>();
  const head = `${prefix}.`;
  for (const key of raw.keys) {
    if (!key.startsWith(head)) continue;
    const m = /^(\d{1,6})(?:\.|$)/.exec(key.slice(head.length));
    if (m) found.add(Number(m[1]));
  }
  return [...found].filter((n) => n >= 1).sort((a, b) => a - b);
}

function checkCount(p: ListParam | ObjectListParam, count: number, at: At): void {
  if (count === 0 && p.required) throw p.required.error(context(at, '0'));
  if (p.maxItems && count > p.maxItems.max) throw p.maxItems.violation.error(context(at, String(count)));
}

function readList(p: ListParam, raw: Params, at: At): unknown[] {
  let values = indexes(raw, at.key).map((n) => nonEmpty(raw.raw[`${at.key}.${n}`])).filter((v): v is string => v !== undefined);
  if (p.csv) {
    const single = nonEmpty(raw.raw[at.key]);
    values = (single !== undefined ? single.split(',') : values).map((s) => s.trim()).filter((s) => s !== '');
  }
  checkCount(p, values.length, at);
  return values.map((v, i) => readScalar(p.item, v, { key: `${at.key}.${i + 1}`, name: `${at.name}.N`, path: `${at.path}.${i + 1}` }));
}

function readObjects(p: ObjectListParam, raw: Params, at: At): unknown[] {
  const found = indexes(raw, at.key);
  checkCount(p, found.length, at);
  return found.map((n, i) => readFields(p.fields, raw, { key: `${at.key}.${n}.`, name: `${at.name}.N.`, path: `${at.path}.${i + 1}.` }));
}

function readStruct(p: StructParam, raw: Params, at: At): unknown {
  const head = `${at.key}.`;
  if (!raw.keys.some((k) => k.startsWith(head) && raw.raw[k] !== '')) return undefined;
  return readFields(p.fields, raw, { key: head, name: `${at.name}.`, path: `${at.path}.` });
}
