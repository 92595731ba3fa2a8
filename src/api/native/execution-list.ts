import type { FastifyInstance } from 'fastify';
import { scopeFor, type App } from '../../app/app.js';
import { EXECUTION_LIST_MAX_RESULTS, listExecutions } from '../../app/execution-list.js';
import { MAX_RESULTS_DEFAULT } from '../../app/next-token.js';
import { presentExecution } from '../operations/present-execution.js';
import { int, notAnInteger, str, violation } from '../operations/spec/build.js';
import { nextToken, regionId } from '../operations/spec/common.js';
import { readInput } from '../operations/spec/read.js';
import { newRequestId } from '../rpc/request-id.js';
import type { RouteAuthenticator } from './authenticate-native.js';
import { sendError } from './send-error.js';

/** Path of the builds list, signed (`nativeAuthenticator`). */
export const EXECUTIONS_PATH = '/kiln/v1/executions';
/** Path of the builds list with the console's session. */
export const CONSOLE_EXECUTIONS_PATH = '/console/api/executions';

const FIELDS = {
  regionId,
  status: str('Status', { doc: 'Comma-separated execution statuses (InvalidParameter.Status).' }),
  pipelineId: str('ImagePipelineId', { doc: 'Only this template\'s executions (InvalidImagePipeline.NotFound).' }),
  maxResults: int('MaxResults', {
    type: notAnInteger('InvalidParameter.MaxResults'),
    range: {
      min: 1,
      max: EXECUTION_LIST_MAX_RESULTS,
      violation: violation('InvalidParameter.MaxResults', (c) => `The specified MaxResults ${c.value} is not valid: it must be from 1 to ${EXECUTION_LIST_MAX_RESULTS}.`),
    },
    default: MAX_RESULTS_DEFAULT,
  }),
  nextToken,
};

/** The query as flat strings: a repeated parameter (`?Status=A&Status=B`) is its values comma-joined. */
function flatQuery(query: unknown): Record<string, string> {
  const flat = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(query ?? {})) flat[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  return flat;
}

/**
 * `GET <path>?RegionId=&Status=&ImagePipelineId=&NextToken=&MaxResults=` — the caller's builds in
 * the region across its templates, newest first (`app/execution-list.ts`):
 * `{RequestId, Executions: [DescribeImagePipelineExecutions' entries + ImagePipelineName], TotalCount, MaxResults, NextToken}`
 * (`NextToken` `''` on the last page). `auth` finds the caller: registered at `EXECUTIONS_PATH`
 * signed, and at `CONSOLE_EXECUTIONS_PATH` with the console's session.
 */
export function registerExecutionList(server: FastifyInstance, app: App, path: string, auth: RouteAuthenticator): void {
  server.get(path, async (req, reply) => {
    try {
      const { accountId } = await auth(req);
      const input = readInput(FIELDS, flatQuery(req.query));
      const scope = scopeFor(app, accountId, input.regionId);
      const list = await listExecutions(app, scope, input);
      const body = {
        RequestId: newRequestId(),
        Executions: list.items.map((l) => ({ ...presentExecution(l.execution), ImagePipelineName: l.pipelineName })),
        TotalCount: list.totalCount,
        MaxResults: input.maxResults,
        NextToken: list.nextToken,
      };
      return reply.header('cache-control', 'no-store').header('x-acs-request-id', body.RequestId).send(body);
    } catch (err) {
      return sendError(reply, app, err);
    }
  });
}
