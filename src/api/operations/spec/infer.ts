import type { AnyParam, Fields, ListParam, ObjectListParam, ScalarParam, StructParam } from './param.js';

/*
 * The input type a spec describes, computed by the compiler: an operation's handler receives
 * `InputOf<typeof spec>`, so its app call is checked against what the reader produces.
 */

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** The value type of one parameter. */
export type ValueOf<P> =
  P extends ScalarParam<infer T> ? T
    : P extends ListParam<infer T> ? T[]
      : P extends ObjectListParam<infer F> ? Array<InputOf<F>>
        : P extends StructParam<infer F> ? InputOf<F>
          : never;

type AlwaysKeys<F extends Fields> = { [K in keyof F]: F[K] extends { readonly __presence?: 'always' } ? K : never }[keyof F];

/** The object the reader returns for `F`: always-present fields required, the rest optional. */
export type InputOf<F extends Fields> = Flatten<
  { [K in AlwaysKeys<F>]: ValueOf<F[K]> } & { [K in Exclude<keyof F, AlwaysKeys<F>>]?: ValueOf<F[K]> }
>;

export type { AnyParam };
