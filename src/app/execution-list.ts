import { fault } from '../domain/errors.js';
import { parseStatusFilter, type Execution } from '../domain/execution.js';
import type { ExecutionFilter, Scope } from '../domain/ports.js';
import type { App } from './app.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';

/** `MaxResults` of the builds list: 1–100 (checked by the route), default 50. */
export const EXECUTION_LIST_MAX_RESULTS = 100;

export interface ExecutionListQuery {
  /** Comma-separated ECS statuses (`InvalidParameter.Status` for anything else). */
  status?: string;
  /** Only this template's executions (`InvalidImagePipeline.NotFound` when not the caller's). */
  pipelineId?: string;
  nextToken?: string;
  maxResults: number;
}

/** One listed execution with its template's name (absent when the template went while the page was read). */
export interface ListedExecution {
  execution: Execution;
  pipelineName?: string;
}

export interface ExecutionList {
  items: ListedExecution[];
  totalCount: number;
  /** The next page's position; `''` on the last page. */
  nextToken: string;
}

/**
 * Kiln's builds list (not an ECS operation: DescribeImagePipelineExecutions requires a template
 * or execution ids): the executions of the account in the scope's region, across its templates,
 * newest first, keyset-paged by the scope's sequence — the order executions were created in
 * (CreationTime has one-second resolution; the sequence breaks its ties), an indexed backward
 * scan however many there are. Each carries its template's name, read in one batch per page.
 */
export async function listExecutions(app: App, scope: Scope, q: ExecutionListQuery): Promise<ExecutionList> {
  const statuses = parseStatusFilter(q.status);
  const afterSeq = decodeNextToken(q.nextToken);
  const filter: ExecutionFilter = { ...scope };
  if (statuses) filter.statuses = statuses;
  if (q.pipelineId !== undefined) {
    if (!await app.store.pipelines.get(scope, q.pipelineId)) throw fault('InvalidImagePipeline.NotFound', { id: q.pipelineId });
    filter.pipelineId = q.pipelineId;
  }
  const page = await app.store.executions.list(filter, { limit: q.maxResults, order: 'desc', ...(afterSeq !== undefined ? { afterSeq } : {}) });
  const ids = [...new Set(page.items.map((e) => e.pipelineId))];
  const names = new Map<string, string>();
  if (ids.length > 0) {
    const templates = await app.store.pipelines.list({ ...scope, ids }, { limit: ids.length });
    for (const p of templates.items) names.set(p.id, p.name);
  }
  return {
    items: page.items.map((execution) => {
      const name = names.get(execution.pipelineId);
      return name === undefined ? { execution } : { execution, pipelineName: name };
    }),
    totalCount: page.totalCount,
    nextToken: encodeNextToken(page.nextAfterSeq),
  };
}
