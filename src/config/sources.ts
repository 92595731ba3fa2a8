import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SETTINGS, type SettingSpec } from './schema.js';
import { checkSource, type SettingSource } from './validate.js';

/*
 * The two places settings come from, each read into the file's shape (`{"port": 80, "oss":
 * {"endpoint": …}}`) and checked on its own, so an error names the variable or the file key.
 */

/** Settings one source gave, checked against the schema, with how that source names them. */
export interface SourceValues {
  values: Record<string, unknown>;
  source: SettingSource;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  if (path.length === 1) {
    target[path[0]!] = value;
    return;
  }
  const inner = (target[path[0]!] ??= {}) as Record<string, unknown>;
  setAt(inner, path.slice(1), value);
}

/** An environment string as the schema's type: numbers, booleans, comma lists, JSON. Left as given when it is none of those, for the check to refuse. */
function fromEnvText(spec: SettingSpec, raw: string): unknown {
  const text = raw.trim();
  const { schema } = spec;
  if (schema.type === 'integer') return /^-?[0-9]+$/.test(text) ? Number(text) : raw;
  if (schema.type === 'boolean') {
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no)$/i.test(text)) return false;
    return raw;
  }
  if (schema.envFormat === 'list') return text.split(/[\s,]+/).filter(Boolean);
  if (schema.type === 'array' || schema.type === 'object') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`${spec.env} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return raw;
}

/** The `KILN_*` variables of `env` that name settings (an empty one counts as unset). */
export function envSource(env: NodeJS.ProcessEnv): SourceValues {
  const values: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') setAt(values, spec.path, fromEnvText(spec, raw));
  }
  const source: SettingSource = {
    name: (spec) => spec.env,
    unknownKey: (path) => `KILN_${path.toUpperCase()}`,
    shown: (spec) => {
      const raw = String(env[spec.env]);
      return `"${raw.length > 120 ? `${raw.slice(0, 117)}…` : raw}"`;
    },
  };
  checkSource(values, source);
  return { values, source };
}

/** The JSON file `KILN_CONFIG` names (a path relative to the working directory), checked; no file when unset. */
export function fileSource(configPath: string | undefined): SourceValues {
  const path = configPath ? resolve(configPath) : '';
  const source: SettingSource = {
    name: (spec) => `KILN_CONFIG ${path}: ${spec.path.join('.')}`,
    unknownKey: (key) => `KILN_CONFIG ${path}: ${key}`,
    shown: (_spec, value) => show(value),
  };
  if (!configPath) return { values: {}, source };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new Error(`KILN_CONFIG names ${path}, which does not exist`);
    throw new Error(`KILN_CONFIG names ${path}, which cannot be read: ${e.code ?? e.message}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    throw new Error(`KILN_CONFIG ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw new Error(`KILN_CONFIG ${path} must hold a JSON object of settings ({"port": 8080, …}), got ${show(values)}`);
  }
  checkSource(values as Record<string, unknown>, source);
  return { values: values as Record<string, unknown>, source };
}
