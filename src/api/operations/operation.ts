import { type App, scopeFor } from '../../app/app.js';
import type { Scope } from '../../domain/ports.js';
import { regionId } from './spec/common.js';
import type { InputOf } from './spec/infer.js';
import type { Fields } from './spec/param.js';
import { readInput, type RawParams } from './spec/read.js';

/** What an operation gets: the app, the authenticated caller and the request's raw parameters. */
export interface OperationContext {
  app: App;
  accountId: string;
  params: RawParams;
}

/**
 * One ECS RPC action: wire input → app call → wire output. The returned object is the
 * response body without `RequestId` (the server adds it) and never with a `Code` field.
 * `params` declares every parameter the action reads (the reader, the input type and
 * docs/operations.md all derive from it).
 */
export interface Operation {
  action: string;
  /** One sentence for the documentation. */
  summary: string;
  params: Fields;
  handle(ctx: OperationContext): Promise<Record<string, unknown>>;
}

/** What an operation's `run` gets: the request's input, read and checked against its spec. */
export interface RunContext<F extends Fields> {
  app: App;
  accountId: string;
  input: InputOf<F>;
}

interface Definition<F extends Fields, C> {
  action: string;
  summary: string;
  params: F;
  run(ctx: C): Promise<Record<string, unknown>>;
}

/** An operation from its spec and what it does with the typed input. */
export function defineOperation<const F extends Fields>(def: Definition<F, RunContext<F>>): Operation {
  return {
    action: def.action,
    summary: def.summary,
    params: def.params,
    handle: ({ app, accountId, params }) => def.run({ app, accountId, input: readInput(def.params, params) }),
  };
}

/** What a regional operation's `run` gets: the caller's scope (account and region) and the input. */
export interface RegionalRunContext<F extends Fields> {
  app: App;
  scope: Scope;
  input: InputOf<F>;
}

/**
 * An operation in one region: `RegionId` (required, an existing region) is read and checked
 * before the other parameters, so an unknown region is the answer whatever else is wrong;
 * `run` gets the resulting scope.
 */
export function defineRegionalOperation<const F extends Fields>(def: Definition<F, RegionalRunContext<F>>): Operation {
  return {
    action: def.action,
    summary: def.summary,
    params: { regionId, ...def.params },
    handle: ({ app, accountId, params }) => {
      const scope = scopeFor(app, accountId, readInput({ regionId }, params).regionId);
      return def.run({ app, scope, input: readInput(def.params, params) });
    },
  };
}
