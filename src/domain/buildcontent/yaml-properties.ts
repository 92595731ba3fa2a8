import { isMap, isScalar, isSeq } from 'yaml';
import type { Fail } from './tokens.js';
import type { JsonValue, PropertyValue } from './types.js';
import { isNumberText, isValidParameterValue } from './values.js';
import type { PropertySpec } from './yaml-actions.js';
import { checkReferences, WHOLE_PARAMETER_REFERENCE, type ReferenceScope } from './yaml-references.js';
import type { YamlSource } from './yaml-source.js';

/**
 * Type-checks one task property and checks the references in it.
 *
 * - `String`: any scalar (numbers keep their source spelling); required ones must be non-empty.
 * - `Number`: a positive number (YAML number or numeric string), or a whole-value
 *   `{{ p }}` naming a `Number` parameter, kept as that string to be bound at build time.
 * - `Boolean`: `true`/`false` (any case), or `{{ p }}` naming a `Boolean` parameter.
 * - `Json`: a mapping, or a string holding a JSON object; references are checked in every
 *   string inside it.
 */
export function readProperty(
  y: YamlSource,
  node: unknown,
  name: string,
  spec: PropertySpec,
  scope: ReferenceScope,
  fallbackLine: number,
): PropertyValue {
  const line = y.lineOf(node, fallbackLine);
  const fail: Fail = (d) => y.fail(line, `${name}: ${d}`);
  const refs = (text: string): void => checkReferences(text, scope, fail);

  switch (spec.type) {
    case 'String': {
      const text = y.scalarText(node);
      if (text === undefined) return fail('must be a string');
      if (spec.required && text.trim() === '') fail('must not be empty');
      refs(text);
      return text;
    }
    case 'Number': {
      const n = y.deref(node);
      const value = isScalar(n) && typeof n.value === 'number' ? n.value : numberFromText(y.scalarText(n));
      if (typeof value === 'string') return typedParameter(value, 'Number', scope, fail);
      if (value === undefined) return fail(`must be a number or a {{ parameter }} of Type Number`);
      if (!Number.isFinite(value) || value <= 0) fail(`must be a positive number, got ${value}`);
      return value;
    }
    case 'Boolean': {
      const n = y.deref(node);
      if (isScalar(n) && typeof n.value === 'boolean') return n.value;
      const text = y.scalarText(n);
      if (text !== undefined && isValidParameterValue('Boolean', text)) return text.toLowerCase() === 'true';
      if (text !== undefined && WHOLE_PARAMETER_REFERENCE.test(text)) return typedParameter(text, 'Boolean', scope, fail);
      return fail('must be true, false or a {{ parameter }} of Type Boolean');
    }
    case 'Json': {
      const n = y.deref(node);
      let value: JsonValue;
      if (isMap(n)) {
        value = toJson(y, n, fail);
      } else {
        const text = y.scalarText(n);
        if (text === undefined) return fail('must be a mapping or a string holding a JSON object');
        try {
          value = JSON.parse(text) as JsonValue;
        } catch {
          return fail('is not valid JSON');
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('must be a JSON object');
      }
      forEachString(value, refs);
      return value;
    }
  }
}

/** A number, a reference string to check, or undefined when it is neither. */
function numberFromText(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  if (WHOLE_PARAMETER_REFERENCE.test(text)) return text;
  return isNumberText(text) ? Number(text) : undefined;
}

function typedParameter(text: string, type: 'Number' | 'Boolean', scope: ReferenceScope, fail: Fail): string {
  const param = WHOLE_PARAMETER_REFERENCE.exec(text)?.[1] ?? '';
  const declared = scope.parameters.get(param);
  if (declared === undefined) fail(`${text} refers to parameter "${param}", which is not declared in Parameters`);
  if (declared !== type) fail(`${text} is a ${declared} parameter; this property needs a ${type}`);
  return text;
}

/** Converts a YAML node to plain JSON, reading bare `{{ ref }}` values as text. */
function toJson(y: YamlSource, node: unknown, fail: Fail): JsonValue {
  const n = y.deref(node);
  const ref = y.bareReference(n);
  if (ref !== undefined) return ref;
  if (isScalar(n)) {
    const v = n.value;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    return fail(`unsupported value ${String(v)}`);
  }
  if (isSeq(n)) return n.items.map((item) => toJson(y, item, fail));
  if (isMap(n)) {
    const entries: [string, JsonValue][] = [];
    for (const pair of n.items) {
      const key = y.scalarText(pair.key);
      if (key === undefined) fail('object keys must be strings');
      entries.push([key, toJson(y, pair.value, fail)]);
    }
    return Object.fromEntries(entries);
  }
  return fail('unsupported value');
}

function forEachString(value: JsonValue, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const v of value) forEachString(v, visit);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) forEachString(v, visit);
}
