import type { App } from '../../app/app.js';
import type { WireParams } from './wire-params.js';

/** What an operation gets: the app, the authenticated caller and the request's parameters. */
export interface OperationContext {
  app: App;
  accountId: string;
  params: WireParams;
}

/**
 * One ECS RPC action: wire input → app call → wire output. The returned object is the
 * response body without `RequestId` (the server adds it) and never with a `Code` field.
 */
export interface Operation {
  action: string;
  handle(ctx: OperationContext): Promise<Record<string, unknown>>;
}
