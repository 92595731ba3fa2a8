import { fault, KilnError, missingParameter } from '../domain/errors.js';
import { cancelDecision, CANCELLABLE, parseStatusFilter, type Execution } from '../domain/execution.js';
import { newExecutionId } from '../domain/ids.js';
import type { Page } from '../domain/paging.js';
import type { ExecutionFilter, Repositories, Scope } from '../domain/ports.js';
import { validateTags, type Tag } from '../domain/tag.js';
import { ecsTime } from '../domain/time.js';
import type { App } from './app.js';
import { resolveBaseImage } from './base-image.js';
import { resolveTemplateContent } from './content-checks.js';
import { idempotent } from './idempotency.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';

/** The message an execution carries until a worker picks it up. */
export const QUEUED_MESSAGE = 'Queued: waiting for a worker to prepare the intermediate instance.';

async function requirePipeline(tx: Repositories, scope: Scope, id: string) {
  const pipeline = await tx.pipelines.get(scope, id);
  if (!pipeline) throw fault('InvalidImagePipeline.NotFound', { id });
  return pipeline;
}

/**
 * StartImagePipelineExecution: re-checks what the template refers to (a component or base
 * image may have gone since it was created), refuses a second running execution, and queues
 * the build (the execution row is the job).
 */
export async function startExecution(app: App, scope: Scope, pipelineId: string, tags: Tag[], clientToken?: string): Promise<{ executionId: string }> {
  validateTags(tags);
  const started = await idempotent(app.store, { accountId: scope.accountId, action: 'StartImagePipelineExecution' }, clientToken, { scope, pipelineId, tags }, async (tx) => {
    const pipeline = await requirePipeline(tx, scope, pipelineId);
    await resolveBaseImage(app, tx, scope, pipeline.baseImageType, pipeline.baseImage);
    for (const [text, kind] of [[pipeline.buildContent, 'build'], [pipeline.testContent, 'test']] as const) {
      if (text !== undefined) await resolveTemplateContent(app, tx, scope, text, kind);
    }
    const running = await tx.executions.activeFor(scope, pipelineId);
    if (running) {
      throw new KilnError('InvalidImagePipeline.HasRunningExecution', `The image pipeline "${pipelineId}" already has a running execution (${running.id}, ${running.status}).`);
    }
    const now = ecsTime();
    const execution: Execution = {
      id: newExecutionId(),
      pipelineId,
      accountId: scope.accountId,
      regionId: scope.regionId,
      status: 'PREPARING',
      message: QUEUED_MESSAGE,
      resourceGroupId: pipeline.resourceGroupId,
      tags,
      creationTime: now,
      modifiedTime: now,
    };
    await tx.executions.insert(execution);
    return { executionId: execution.id };
  });
  for (const notify of app.executionQueued) notify();
  return started;
}

export interface ExecutionQuery {
  pipelineId?: string;
  executionId?: string;
  status?: string;
  tags: Tag[];
  nextToken?: string;
  maxResults: number;
}

export const MAX_EXECUTION_IDS = 20;

/** DescribeImagePipelineExecutions: by template or execution ids, with status and tag filters. */
export async function describeExecutions(app: App, scope: Scope, q: ExecutionQuery): Promise<Page<Execution> & { nextToken: string; maxResults: number }> {
  if (q.pipelineId === undefined && q.executionId === undefined) throw missingParameter('ImagePipelineId');
  const executionIds = q.executionId?.split(',').map((s) => s.trim()).filter(Boolean);
  if (executionIds && executionIds.length > MAX_EXECUTION_IDS) {
    throw new KilnError('InvalidExecutionId.SizeExceeded', `ExecutionId list exceeds maximum size of ${MAX_EXECUTION_IDS}. Current size is ${executionIds.length}.`);
  }
  const statuses = parseStatusFilter(q.status);
  validateTags(q.tags);
  const { maxResults } = q;
  const afterSeq = decodeNextToken(q.nextToken);
  if (q.pipelineId !== undefined) await requirePipeline(app.store, scope, q.pipelineId);

  const filter: ExecutionFilter = { ...scope };
  if (q.pipelineId !== undefined) filter.pipelineId = q.pipelineId;
  if (executionIds?.length) filter.executionIds = executionIds;
  if (statuses) filter.statuses = statuses;
  if (q.tags.length) filter.tags = q.tags;
  const page = await app.store.executions.list(filter, { limit: maxResults, ...(afterSeq !== undefined ? { afterSeq } : {}) });
  return { ...page, nextToken: encodeNextToken(page.nextAfterSeq), maxResults };
}

/**
 * CancelImagePipelineExecution: PREPARING, REPAIRING or BUILDING move to CANCELLING (the
 * worker stops the build, cleans up and sets CANCELLED); repeating the call is harmless.
 */
export async function cancelExecution(app: App, scope: Scope, executionId: string): Promise<void> {
  await app.store.transaction(async (tx) => {
    const execution = await tx.executions.get(scope, executionId);
    if (!execution) {
      throw fault('InvalidImagePipelineExecution.NotFound');
    }
    if (cancelDecision(execution.status) === 'cancel') {
      await tx.executions.update(scope, executionId, { status: 'CANCELLING', message: 'Cancelling: the build is being stopped and its resources released.' }, [...CANCELLABLE]);
    }
  });
}
