import { parseContent } from '../domain/buildcontent/index.js';
import { KilnError, fault } from '../domain/errors.js';
import { newPipelineId } from '../domain/ids.js';
import { checkResourceName } from '../domain/names.js';
import type { Page } from '../domain/paging.js';
import type { ImagePipeline } from '../domain/pipeline.js';
import { checkPipelineRequest, newPipeline, type PipelineRequest } from '../domain/pipeline-rules.js';
import type { Repositories, Scope } from '../domain/ports.js';
import { validateTags, type Tag } from '../domain/tag.js';
import { ecsTime } from '../domain/time.js';
import { isKnownRegion, type App } from './app.js';
import { resolveBaseImage } from './base-image.js';
import { resolveTemplateContent } from './content-checks.js';
import { idempotent } from './idempotency.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';
import { resolveInstanceType, resolveResourceGroup, resolveVSwitch } from './placement.js';

/** Parses and resolves a template's build and test content; returns the components it uses. */
async function checkContent(app: App, repos: Repositories, scope: Scope, buildContent?: string, testContent?: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const [text, kind] of [[buildContent, 'build'], [testContent, 'test']] as const) {
    if (text === undefined) continue;
    for (const id of await resolveTemplateContent(app, repos, scope, text, kind)) ids.add(id);
  }
  return [...ids];
}

/** CreateImagePipeline: checks everything, then writes the template in one transaction. */
export async function createPipeline(app: App, scope: Scope, req: PipelineRequest, clientToken?: string): Promise<{ imagePipelineId: string }> {
  const checked = checkPipelineRequest(req, (r) => isKnownRegion(app, r));
  const instanceType = resolveInstanceType(checked.instanceType);
  // Parsing first gives syntax errors (with line numbers) before any lookup.
  if (checked.buildContent !== undefined) parseContent(checked.buildContent, 'build');
  if (checked.testContent !== undefined) parseContent(checked.testContent, 'test');

  const defaults = await app.defaultIds.of(scope);
  return idempotent(app.store, { accountId: scope.accountId, action: 'CreateImagePipeline' }, clientToken, { scope, req }, async (tx) => {
    const resourceGroupId = await resolveResourceGroup(tx, scope.accountId, checked.resourceGroupId, defaults.resourceGroupId);
    const vSwitchId = await resolveVSwitch(tx, scope, checked.vSwitchId, defaults.vSwitchId);
    await resolveBaseImage(app, tx, scope, checked.baseImageType, checked.baseImage);
    const componentIds = await checkContent(app, tx, scope, checked.buildContent, checked.testContent);

    if (await tx.pipelines.count(scope) >= app.config.pipelineQuota) {
      throw fault('QuotaExceed.ImagePipeline', { regionId: scope.regionId, quota: app.config.pipelineQuota });
    }
    const pipeline = newPipeline(checked, scope, { instanceType, vSwitchId, resourceGroupId }, newPipelineId(), ecsTime());
    await tx.pipelines.insert(pipeline, componentIds);
    return { imagePipelineId: pipeline.id };
  });
}

export interface PipelineQuery {
  ids: string[];
  name?: string;
  resourceGroupId?: string;
  tags: Tag[];
  nextToken?: string;
  maxResults: number;
}

export const MAX_PIPELINE_IDS = 20;

/** DescribeImagePipelines: keyset-paged, filtered by ids, name, resource group and tags. */
export async function describePipelines(app: App, scope: Scope, q: PipelineQuery): Promise<Page<ImagePipeline> & { nextToken: string; maxResults: number }> {
  const { maxResults } = q;
  checkResourceName(q.name);
  validateTags(q.tags);
  const afterSeq = decodeNextToken(q.nextToken);
  const filter = { ...scope, ...(q.ids.length ? { ids: q.ids } : {}), ...(q.name ? { name: q.name } : {}),
    ...(q.resourceGroupId ? { resourceGroupId: q.resourceGroupId } : {}), ...(q.tags.length ? { tags: q.tags } : {}) };
  const page = await app.store.pipelines.list(filter, { limit: maxResults, ...(afterSeq !== undefined ? { afterSeq } : {}) });
  return { ...page, nextToken: encodeNextToken(page.nextAfterSeq), maxResults };
}

/**
 * DeleteImagePipeline: removes the template, its tags, its component references and its
 * executions; refused while an execution runs (wait for a terminal status or cancel it).
 */
export async function deletePipeline(app: App, scope: Scope, id: string): Promise<void> {
  await app.store.transaction(async (tx) => {
    if (!(await tx.pipelines.get(scope, id))) {
      throw fault('InvalidImagePipeline.NotFound', { id });
    }
    const running = await tx.executions.activeFor(scope, id);
    if (running) {
      throw new KilnError('InvalidImagePipeline.HasRunningExecution', `The image pipeline "${id}" has a running execution (${running.id}, ${running.status}); wait for it to end or cancel it.`);
    }
    await tx.executions.deleteForPipeline(scope, id);
    await tx.pipelines.delete(scope, id);
  });
}
