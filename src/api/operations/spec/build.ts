import { KilnError, invalidParameter, missingParameter, type ErrorCode } from '../../../domain/errors.js';
import type { Fields, ListParam, ObjectListParam, Presence, ScalarParam, StructParam, Violation, ViolationContext } from './param.js';

/*
 * Builders for parameter specs. Each returns plain data; the options mirror the spec fields,
 * with `required: true` meaning the usual `MissingParameter.<Name>`.
 */

/** A violation answered with `code` and a message made from the context. */
export function violation(code: ErrorCode, message: (c: ViolationContext) => string): Violation {
  return { error: (c) => new KilnError(code, message(c)) };
}

/** `MissingParameter.<Name>`: a required parameter is absent or empty. */
export const MISSING: Violation = { error: (c) => missingParameter(c.name) };

/** `InvalidParameter` naming the parameter, for a value not of the wire type. */
const NOT_INTEGER: Violation = { error: (c) => invalidParameter(c.name, 'an integer is expected.') };
const NOT_BOOLEAN: Violation = { error: (c) => invalidParameter(c.name, 'true or false is expected.') };
const NOT_JSON: Violation = { error: (c) => invalidParameter(c.name, 'a JSON value is expected.') };
/** Any text is a string: this violation cannot happen. */
const NEVER: Violation = { error: (c) => invalidParameter(c.name) };

/** `<code>` with the documented enumeration message ("should be in [a, b]"), naming `label` or the parameter's path. */
export function notInList(code: ErrorCode, label?: string): Violation {
  return violation(code, (c) => `The specified parameter ${label ?? c.path} is invalid. The correct value should be in [${c.allowed.join(', ')}].`);
}

/** `<code>` with the "is not supported. Valid values: a, b." message, naming `label` or the parameter. */
export function notSupported(code: ErrorCode, label?: string): Violation {
  return violation(code, (c) => `The specified ${label ?? c.path} "${c.value}" is not supported. Valid values: ${c.allowed.join(', ')}.`);
}

/** `<code>` for a value that is not an integer, quoting it ("is not supported: an integer is expected"). */
export function notAnInteger(code: ErrorCode): Violation {
  return violation(code, (c) => `The specified ${c.name} "${c.value}" is not supported: an integer is expected.`);
}

interface Common {
  readonly doc?: string;
}

interface StringOptions extends Common {
  readonly required?: true | Violation;
  readonly enum?: ScalarParam['enum'];
  readonly rule?: ScalarParam['rule'];
  readonly length?: ScalarParam['length'];
  readonly default?: string;
}

interface IntegerOptions extends Common {
  readonly required?: true | Violation;
  readonly type?: Violation;
  readonly range?: ScalarParam['range'];
  readonly default?: number;
}

interface BooleanOptions extends Common {
  readonly required?: true | Violation;
  readonly default?: boolean;
}

type PresenceOf<O> = O extends { readonly required: unknown } ? 'always' : O extends { readonly default: unknown } ? 'always' : 'optional';
type StringType<O> = O extends { readonly enum: { readonly values: readonly (infer E extends string)[] } } ? E : string;

function scalar<T, P extends Presence>(wire: string, kind: ScalarParam['kind'], type: Violation, o: Common & { required?: true | Violation } = {}): ScalarParam<T, P> {
  const { required, ...rest } = o;
  return { wire, kind, type, ...rest, ...(required ? { required: required === true ? MISSING : required } : {}) } as ScalarParam<T, P>;
}

/** A string; with `enum`, the input type is the union of its values. */
export function str<const O extends StringOptions = Record<never, never>>(wire: string, o?: O): ScalarParam<StringType<O>, PresenceOf<O>> {
  return scalar(wire, 'string', NEVER, o);
}

/** An integer written in decimal (at most 15 digits, optional minus sign). */
export function int<const O extends IntegerOptions = Record<never, never>>(wire: string, o?: O): ScalarParam<number, PresenceOf<O>> {
  return scalar(wire, 'integer', o?.type ?? NOT_INTEGER, o);
}

/** A boolean written `true`/`false` (any case). */
export function bool<const O extends BooleanOptions = Record<never, never>>(wire: string, o?: O): ScalarParam<boolean, PresenceOf<O>> {
  return scalar(wire, 'boolean', NOT_BOOLEAN, o);
}

/** A JSON document in one parameter. */
export function json<const O extends Common & { readonly required?: true | Violation } = Record<never, never>>(wire: string, o?: O): ScalarParam<unknown, PresenceOf<O>> {
  return scalar(wire, 'json', NOT_JSON, o);
}

export interface ListOptions extends Common {
  readonly csv?: boolean;
  readonly required?: true | Violation;
  readonly maxItems?: ListParam['maxItems'];
}

/** `Name.1`, `Name.2`, … of `item` (its wire name is ignored; its checks apply to each entry). */
export function list<T>(wire: string, item: ScalarParam<T>, o: ListOptions = {}): ListParam<T> {
  const { required, ...rest } = o;
  return { wire, kind: 'list', item, ...rest, ...(required ? { required: required === true ? MISSING : required } : {}) };
}

/** `Name.N.<field>` for each field of `fields`. */
export function objects<const F extends Fields>(wire: string, fields: F, o: Omit<ListOptions, 'csv'> = {}): ObjectListParam<F> {
  const { required, ...rest } = o;
  return { wire, kind: 'objects', fields, ...rest, ...(required ? { required: required === true ? MISSING : required } : {}) };
}

/** `Name.<field>` for each field of `fields`. */
export function struct<const F extends Fields>(wire: string, fields: F, o: Common = {}): StructParam<F> {
  return { wire, kind: 'struct', fields, ...o };
}
