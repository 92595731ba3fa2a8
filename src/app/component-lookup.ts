import type { ComponentLookup } from '../domain/buildcontent/index.js';
import { SYSTEM_ACCOUNT_ID, type ImageComponent } from '../domain/component.js';
import type { Repositories, Scope } from '../domain/ports.js';
import type { App } from './app.js';

/**
 * Components a caller may reference from build content: its own in the region and the
 * system ones. Reads go through `repos` so that a create resolves its references inside the
 * same transaction that records them (a concurrent delete cannot slip between).
 */
export function componentLookup(app: App, repos: Repositories, scope: Scope): ComponentLookup {
  return {
    async byId(id: string): Promise<ImageComponent | undefined> {
      return app.systemComponents.find(scope.regionId, id) ?? (await repos.components.get(scope, id));
    },
    async versionsByName(accountId: string, name: string): Promise<ImageComponent[]> {
      if (accountId === SYSTEM_ACCOUNT_ID) return app.systemComponents.inRegion(scope.regionId).filter((c) => c.name === name);
      if (accountId !== scope.accountId) return [];
      return repos.components.versionsOf(scope, name);
    },
  };
}
