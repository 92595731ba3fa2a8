import { Ajv, type ErrorObject } from 'ajv';
import { FileSchema, SETTINGS, type SettingSpec } from './schema.js';

/*
 * Checks one source of settings (the environment, or the KILN_CONFIG file) against the schema,
 * and says what is wrong in words an operator can act on: which variable or file key, the value
 * given, and what it should be.
 */

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
// The schema's own annotations (see schema.ts): documentation, not validation.
ajv.addVocabulary(['expected', 'docDefault', 'envFormat']);
const validateFile = ajv.compile(FileSchema);

/** Where a value came from, for errors: `name(spec)` is `KILN_PORT`, or `KILN_CONFIG /etc/kiln.json: port`. */
export interface SettingSource {
  /** How this source names a setting. */
  name(spec: SettingSpec): string;
  /** How this source names a path that is no setting (an unknown key). */
  unknownKey(path: string): string;
  /** The value as the operator wrote it (the environment's string, not the number it became). */
  shown(spec: SettingSpec, value: unknown): string;
}

/** What a value of `schema` is, in words: `an integer from 1 to 65535`, `true or false`. */
export function expectation(schema: SettingSpec['schema']): string {
  if (schema.expected) return schema.expected;
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'integer') {
    const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
    const upper = maximum === undefined || maximum >= Number.MAX_SAFE_INTEGER ? undefined : maximum;
    if (upper !== undefined) return `an integer from ${minimum ?? 0} to ${upper}`;
    return minimum === 1 ? 'a positive integer (1 or more)' : 'a non-negative integer (0 or more)';
  }
  if (Array.isArray(schema.anyOf) && schema.anyOf.every((s: { const?: unknown }) => s.const !== undefined)) {
    return `one of ${schema.anyOf.map((s: { const: unknown }) => String(s.const)).join(', ')}`;
  }
  return 'a non-empty string';
}

function specAt(segments: readonly string[]): SettingSpec | undefined {
  return SETTINGS.find((s) => s.path.every((p, i) => segments[i] === p));
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

/** One line for `err`, and where it goes among the others (the settings' order, unknown keys last). */
function describe(err: ErrorObject, root: unknown, source: SettingSource): { order: number; line: string } {
  const segments = err.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (err.keyword === 'additionalProperties' && (segments.length === 0 || (segments.length === 1 && segments[0] === 'oss'))) {
    const key = [...segments, String((err.params as { additionalProperty: string }).additionalProperty)].join('.');
    const known = SETTINGS.filter((s) => s.path.length === segments.length + 1 && s.path.slice(0, -1).join('.') === segments.join('.')).map((s) => s.path.join('.'));
    return { order: SETTINGS.length, line: `${source.unknownKey(key)} is not a setting (the settings there: ${known.join(', ')})` };
  }
  const spec = specAt(segments);
  if (!spec) return { order: SETTINGS.length, line: `${source.unknownKey(segments.join('.'))} must be an object of the OSS settings (${err.message ?? 'invalid'})` };
  const inner = segments.slice(spec.path.length);
  const detail = inner.length > 0 ? ` (at ${inner.join('.')}: ${err.message ?? 'invalid'})` : '';
  return { order: SETTINGS.indexOf(spec), line: `${source.name(spec)} must be ${expectation(spec.schema)}, got ${source.shown(spec, valueAt(root, spec.path))}${detail}` };
}

/**
 * Checks `values` (in the file's shape: `{"port": 80, "oss": {…}}`) against the schema; throws
 * one Error naming every setting at fault (one line each), or returns.
 */
export function checkSource(values: Record<string, unknown>, source: SettingSource): void {
  if (validateFile(values)) return;
  const lines: Array<{ order: number; line: string }> = [];
  for (const err of validateFile.errors ?? []) {
    const d = describe(err, values, source);
    // anyOf and nested failures report several errors for one setting: one line is enough.
    if (!lines.some((l) => l.line.split(' must be ')[0] === d.line.split(' must be ')[0])) lines.push(d);
  }
  throw new Error(lines.sort((a, b) => a.order - b.order).map((l) => l.line).join('\n'));
}
