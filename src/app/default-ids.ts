import type { Scope, Store } from '../domain/ports.js';

/**
 * The ids of each account's default resource group and of its default vSwitch in each region,
 * once they exist, so that a create does not look them up every time (two queries of every
 * CreateImagePipeline).
 *
 * A default is made once, by the first transaction that needs it (`account-defaults.ts`), and
 * then never changes or goes away: no operation deletes a resource group or a vSwitch, and
 * the store allows one default per account (per region for vSwitches). The ids are read with
 * the root store, outside any transaction, so only committed defaults are ever kept; while a
 * default does not exist yet, nothing is kept and the transaction makes it as before. One entry
 * per account and per account and region: a few dozen bytes each, kept for the process's life.
 */
export class DefaultIds {
  readonly #store: Store;
  readonly #resourceGroups = new Map<string, string>();
  readonly #vSwitches = new Map<string, string>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** The committed default ids of the scope; a part is undefined while that default does not exist. */
  async of(scope: Scope): Promise<{ resourceGroupId?: string; vSwitchId?: string }> {
    const scopeKey = `${scope.accountId}\u0000${scope.regionId}`;
    let resourceGroupId = this.#resourceGroups.get(scope.accountId);
    if (resourceGroupId === undefined) {
      resourceGroupId = (await this.#store.resourceGroups.getDefault(scope.accountId))?.id;
      if (resourceGroupId !== undefined) this.#resourceGroups.set(scope.accountId, resourceGroupId);
    }
    let vSwitchId = this.#vSwitches.get(scopeKey);
    if (vSwitchId === undefined) {
      vSwitchId = (await this.#store.vSwitches.getDefault(scope))?.id;
      if (vSwitchId !== undefined) this.#vSwitches.set(scopeKey, vSwitchId);
    }
    return { ...(resourceGroupId !== undefined ? { resourceGroupId } : {}), ...(vSwitchId !== undefined ? { vSwitchId } : {}) };
  }
}
