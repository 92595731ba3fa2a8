import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/*
 * Reads an example (`examples/<name>/template.yaml`): API parameters under their wire names,
 * turned into the official SDK's request models.
 */

export interface Example {
  name: string;
  /** CreateImageComponent parameters, when the example has a component. */
  component?: Record<string, unknown>;
  /** CreateImagePipeline parameters; strings may hold `${ImageComponentId}`. */
  pipeline: Record<string, unknown>;
  readme: string;
}

export async function loadExample(dir: string, name: string): Promise<Example> {
  const doc = parse(await readFile(join(dir, name, 'template.yaml'), 'utf8')) as Record<string, unknown>;
  const unknown = Object.keys(doc).filter((k) => k !== 'CreateImageComponent' && k !== 'CreateImagePipeline');
  if (unknown.length > 0) throw new Error(`${name}: unknown sections ${unknown.join(', ')}`);
  const pipeline = doc.CreateImagePipeline as Record<string, unknown> | undefined;
  if (!pipeline) throw new Error(`${name}: no CreateImagePipeline section`);
  const component = doc.CreateImageComponent as Record<string, unknown> | undefined;
  const readme = await readFile(join(dir, name, 'README.md'), 'utf8');
  return { name, pipeline, ...(component ? { component } : {}), readme };
}

/** `${Name}` in every string replaced from `vars`; an unknown name is an error. */
export function substitute<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z]+)\}/g, (_, k: string) => {
      if (!(k in vars)) throw new Error(`no value for \${${k}}`);
      return vars[k]!;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  return value;
}

/** A Tea model class of the official SDK: `names()` maps camelCase fields to wire names, `types()` gives their types. */
interface ModelClass<T> {
  new (map?: Record<string, unknown>): T;
  names(): Record<string, string>;
  types(): Record<string, unknown>;
}

/** A request model from wire-named parameters (nested models and lists too); an unknown name is an error. */
export function requestFrom<T>(Model: ModelClass<T>, wire: Record<string, unknown>, where = 'request'): T {
  const types = Model.types();
  const byWire = new Map(Object.entries(Model.names()).map(([camel, w]) => [w, camel]));
  const map: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) {
    const camel = byWire.get(key);
    if (!camel) throw new Error(`${where}: unknown parameter ${key}`);
    map[camel] = convert(types[camel], value, `${where}.${key}`);
  }
  return new Model(map);
}

function convert(type: unknown, value: unknown, where: string): unknown {
  if (typeof type === 'function') return requestFrom(type as ModelClass<unknown>, value as Record<string, unknown>, where);
  if (type && typeof type === 'object' && (type as { type?: string }).type === 'array') {
    if (!Array.isArray(value)) throw new Error(`${where}: a list is expected`);
    return value.map((v, i) => convert((type as { itemType: unknown }).itemType, v, `${where}.${i + 1}`));
  }
  if (type === 'number') return Number(value);
  if (type === 'boolean') return value === true || value === 'true';
  return type === 'string' && typeof value !== 'string' ? String(value) : value;
}
