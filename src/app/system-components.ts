import { SYSTEM_COMPONENTS } from '../domain/catalog/system-components.js';
import { SYSTEM_ACCOUNT_ID, type ImageComponent } from '../domain/component.js';
import { declaredParameters, parseContent } from '../domain/buildcontent/index.js';

/**
 * The system components (`Owner=ALIYUN`), materialized once per region. Their content is
 * parsed at start, so a broken built-in component stops Kiln instead of a build.
 */
export class SystemComponents {
  private readonly byRegion = new Map<string, ImageComponent[]>();

  constructor(regionIds: readonly string[]) {
    const base = SYSTEM_COMPONENTS.map((src) => ({
      ...src,
      parameters: declaredParameters(parseContent(src.content, 'component', src.systemType)),
    }));
    for (const regionId of regionIds) {
      this.byRegion.set(regionId, base.map((src) => ({
        id: src.id,
        accountId: SYSTEM_ACCOUNT_ID,
        regionId,
        name: src.name,
        description: src.description,
        systemType: src.systemType,
        componentType: src.componentType,
        componentVersion: src.componentVersion,
        content: src.content,
        owner: 'ALIYUN' as const,
        parameters: src.parameters,
        tags: [],
        creationTime: '2026-11-01T00:00:00Z',
      })));
    }
  }

  inRegion(regionId: string): ImageComponent[] {
    return this.byRegion.get(regionId) ?? [];
  }

  find(regionId: string, id: string): ImageComponent | undefined {
    return this.inRegion(regionId).find((c) => c.id === id);
  }
}
