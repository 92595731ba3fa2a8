import { declaredParameters, matchesVersion } from '../domain/buildcontent/index.js';
import { SYSTEM_ACCOUNT_ID, type ComponentType, type ImageComponent, type SystemType } from '../domain/component.js';
import { checkComponentRequest, checkComponentVersionPattern, nextMajorVersion, type ComponentRequest } from '../domain/component-rules.js';
import { KilnError, fault } from '../domain/errors.js';
import { newComponentId } from '../domain/ids.js';
import { checkResourceName } from '../domain/names.js';
import type { Page } from '../domain/paging.js';
import type { ComponentFilter, Scope } from '../domain/ports.js';
import { validateTags, type Tag } from '../domain/tag.js';
import { ecsTime } from '../domain/time.js';
import type { App } from './app.js';
import { parseComponentContent } from './content-checks.js';
import { idempotent } from './idempotency.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';
import { resolveResourceGroup } from './placement.js';

/** CreateImageComponent: a new component, or a new version of a named one. */
export async function createComponent(app: App, scope: Scope, req: ComponentRequest, clientToken?: string): Promise<{ imageComponentId: string }> {
  const checked = checkComponentRequest(req);
  const parameters = declaredParameters(parseComponentContent(checked.content, checked.systemType));

  return idempotent(app.store, { accountId: scope.accountId, action: 'CreateImageComponent' }, clientToken, { scope, req }, async (tx) => {
    const resourceGroupId = await resolveResourceGroup(tx, scope.accountId, checked.resourceGroupId);
    const id = newComponentId();
    const name = checked.name ?? id;
    const versions = (await tx.components.versionsOf(scope, name)).map((c) => c.componentVersion);
    const componentVersion = checked.componentVersion ?? nextMajorVersion(versions);
    if (versions.includes(componentVersion)) {
      throw fault('InvalidComponentVersion.Exist');
    }
    if (await tx.components.count(scope) >= app.config.componentQuota) {
      throw fault('QuotaExceed.ImageComponent', { regionId: scope.regionId, quota: app.config.componentQuota });
    }
    const component: ImageComponent = {
      id,
      accountId: scope.accountId,
      regionId: scope.regionId,
      name,
      systemType: checked.systemType,
      componentType: checked.componentType,
      componentVersion,
      content: checked.content,
      owner: 'SELF',
      resourceGroupId,
      parameters,
      tags: checked.tags,
      creationTime: ecsTime(),
    };
    if (checked.description !== undefined) component.description = checked.description;
    await tx.components.insert(component);
    return { imageComponentId: id };
  });
}

/** DescribeImageComponents' filters, each already checked on its own by the wire spec. */
export interface ComponentQuery {
  ids: string[];
  name?: string;
  owner: 'SELF' | 'ALIYUN';
  componentType?: ComponentType;
  systemType?: SystemType;
  componentVersion?: string;
  resourceGroupId?: string;
  tags: Tag[];
  nextToken?: string;
  maxResults: number;
}

export const MAX_COMPONENT_IDS = 20;

/** Filters and pages the in-memory system components the way the store pages custom ones. */
function pageSystemComponents(all: ImageComponent[], f: ComponentFilter, afterSeq: number, limit: number): Page<ImageComponent> {
  const matching = all
    .map((c, i) => ({ c, seq: i + 1 }))
    .filter(({ c }) => (!f.ids || f.ids.includes(c.id))
      && (f.name === undefined || c.name === f.name)
      && (f.componentVersion === undefined || matchesVersion(f.componentVersion, c.componentVersion))
      && (f.componentType === undefined || c.componentType === f.componentType)
      && (f.systemType === undefined || c.systemType === f.systemType)
      && (!f.tags?.length));
  const rest = matching.filter(({ seq }) => seq > afterSeq);
  const items = rest.slice(0, limit);
  const page: Page<ImageComponent> = { items: items.map(({ c }) => c), totalCount: matching.length };
  if (rest.length > limit) page.nextAfterSeq = items[items.length - 1]!.seq;
  return page;
}

/** DescribeImageComponents: the caller's components (Owner=SELF, the default) or the system ones (Owner=ALIYUN). */
export async function describeComponents(app: App, scope: Scope, q: ComponentQuery): Promise<Page<ImageComponent> & { nextToken: string; maxResults: number }> {
  const { owner, componentType, systemType, maxResults } = q;
  checkResourceName(q.name);
  checkComponentVersionPattern(q.componentVersion);
  validateTags(q.tags);
  const afterSeq = decodeNextToken(q.nextToken);

  const filter: ComponentFilter = { ...scope };
  if (q.ids.length) filter.ids = q.ids;
  if (q.name !== undefined) filter.name = q.name;
  // The version filter only applies together with a name, as documented.
  if (q.name !== undefined && q.componentVersion !== undefined) filter.componentVersion = q.componentVersion;
  if (componentType) filter.componentType = componentType;
  if (systemType) filter.systemType = systemType;
  if (q.resourceGroupId !== undefined) filter.resourceGroupId = q.resourceGroupId;
  if (q.tags.length) filter.tags = q.tags;

  const page = owner === 'ALIYUN'
    ? pageSystemComponents(app.systemComponents.inRegion(scope.regionId), filter, afterSeq ?? 0, maxResults)
    : await app.store.components.list(filter, { limit: maxResults, ...(afterSeq !== undefined ? { afterSeq } : {}) });
  return { ...page, nextToken: encodeNextToken(page.nextAfterSeq), maxResults };
}

/** DeleteImageComponent: only the caller's own components, and only while no template uses them. */
export async function deleteComponent(app: App, scope: Scope, id: string): Promise<void> {
  if (app.systemComponents.find(scope.regionId, id)) {
    throw new KilnError('NoPermission', 'System components (Owner=ALIYUN) cannot be deleted.');
  }
  await app.store.transaction(async (tx) => {
    const component = await tx.components.get(scope, id);
    if (!component || component.accountId === SYSTEM_ACCOUNT_ID) {
      throw fault('InvalidImageComponent.NotFound', { id });
    }
    if (await tx.pipelines.referencesComponent(id)) {
      throw fault('InvalidImageComponent.InUse');
    }
    await tx.components.delete(scope, id);
  });
}
