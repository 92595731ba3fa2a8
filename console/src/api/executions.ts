import { request } from './http';
import type { Execution } from './responses';

/** One build of the builds list: a DescribeImagePipelineExecutions entry and its template's name. */
export type ListedExecution = Execution & { ImagePipelineName?: string };

export interface ExecutionListParams {
  RegionId: string;
  /** Comma-separated ECS statuses. */
  Status?: string;
  ImagePipelineId?: string;
  /** 1–100. */
  MaxResults?: number;
  NextToken?: string;
}

export interface ExecutionList {
  RequestId: string;
  Executions: ListedExecution[];
  TotalCount: number;
  MaxResults: number;
  /** `''` on the last page. */
  NextToken: string;
}

/** The account's builds in a region across its templates, newest first (`GET /console/api/executions`). */
export function listExecutions(params: ExecutionListParams, signal?: AbortSignal): Promise<ExecutionList> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
  return request('GET', `/executions?${query}`, undefined, signal);
}
