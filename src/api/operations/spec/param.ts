import type { KilnError } from '../../../domain/errors.js';

/**
 * The vocabulary of an operation's parameter spec: what one wire parameter is (its name on
 * the wire, its wire type, how it is flattened) and which error each single-parameter
 * violation answers with. Rules that span parameters are not here: they live in the domain.
 *
 * A spec is data. One generic reader (`read.ts`) turns the flat RPC parameter map into the
 * typed input it describes (`InputOf`, `infer.ts`), and `doc.ts` prints it as a table.
 */

/** What a violation message may quote. */
export interface ViolationContext {
  /** The parameter as documented, list positions written `N`: `ImportImageOptions.DiskDeviceMappings.N.DiskImageSize`. */
  name: string;
  /** The parameter with the entry's 1-based position: `ImportImageOptions.DiskDeviceMappings.2.DiskImageSize`. */
  path: string;
  /** The raw value (empty for a missing parameter; the count for a list size). */
  value: string;
  /** The allowed values, for an enumeration. */
  allowed: readonly string[];
}

/** One violation's answer: the documented error (code and message), made from the context. */
export interface Violation {
  readonly error: (c: ViolationContext) => KilnError;
}

/** Where a parameter's value is present on every input (`always`) or may be absent. */
export type Presence = 'always' | 'optional';

/** Fields every parameter has; `T` and `P` only carry the input type for `InputOf`. */
interface ParamBase<T, P extends Presence> {
  /** The name on the wire, relative to the enclosing object (`ImageName` in `ImageOptions.ImageName`). */
  readonly wire: string;
  /** A line for the documentation table (what the value means; defaults the domain applies). */
  readonly doc?: string;
  readonly __type?: T;
  readonly __presence?: P;
}

export type ScalarKind = 'string' | 'integer' | 'boolean' | 'json';

/** A single value: `Name=…`. Empty strings count as absent (SDKs send them for unset fields). */
export interface ScalarParam<T = unknown, P extends Presence = Presence> extends ParamBase<T, P> {
  readonly kind: ScalarKind;
  /** Absent or empty is this violation; absent otherwise leaves the input field absent (or `default`). */
  readonly required?: Violation;
  /** The value is not of the wire type (not an integer, not true/false, not JSON). */
  readonly type: Violation;
  /** Strings: one of `values` (compared ignoring case when asked; the input holds the listed spelling). */
  readonly enum?: { readonly values: readonly string[]; readonly ignoreCase?: boolean; readonly violation: Violation };
  /** Strings: a shape the value must have, described in words for the documentation. */
  readonly rule?: { readonly test: (value: string) => boolean; readonly describe: string; readonly violation: Violation };
  /** Strings: length bounds (characters). */
  readonly length?: { readonly min?: number; readonly max?: number; readonly violation: Violation };
  /** Integers: value bounds (inclusive). */
  readonly range?: { readonly min?: number; readonly max?: number; readonly violation: Violation };
  /** The input value when the parameter is absent. */
  readonly default?: T;
}

/** A repeated value: `Name.1`, `Name.2`, … (or one comma-separated `Name=a,b` when `csv`). */
export interface ListParam<T = unknown> extends ParamBase<T[], 'always'> {
  readonly kind: 'list';
  readonly item: ScalarParam<T>;
  readonly csv?: boolean;
  /** No entry is this violation. */
  readonly required?: Violation;
  readonly maxItems?: { readonly max: number; readonly violation: Violation };
}

/** Parameters of an object, by input field name. */
export type Fields = Readonly<Record<string, AnyParam>>;

/** A repeated object: `Name.N.Key`, `Name.N.Value`; an entry exists for every N sent. */
export interface ObjectListParam<F extends Fields = Fields> extends ParamBase<unknown, 'always'> {
  readonly kind: 'objects';
  readonly fields: F;
  readonly required?: Violation;
  readonly maxItems?: { readonly max: number; readonly violation: Violation };
}

/** An object: `Name.Field`; present when any of its keys is sent non-empty. */
export interface StructParam<F extends Fields = Fields> extends ParamBase<unknown, 'optional'> {
  readonly kind: 'struct';
  readonly fields: F;
}

// biome-ignore lint/suspicious/noExplicitAny: any scalar, whatever its input type
export type AnyParam = ScalarParam<any, Presence> | ListParam<any> | ObjectListParam | StructParam;
