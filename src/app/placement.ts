import { DEFAULT_INSTANCE_TYPE, findInstanceType } from '../domain/catalog/instance-types.js';
import { KilnError } from '../domain/errors.js';
import type { Repositories, Scope } from '../domain/ports.js';
import { ensureDefaultResourceGroup, ensureDefaultVSwitch } from './account-defaults.js';

/*
 * Where an intermediate instance runs and what it may use: the instance type, the vSwitch
 * and the resource group, each checked against the caller's own catalog entries.
 */

export function resolveInstanceType(instanceType: string | undefined): string {
  const id = instanceType ?? DEFAULT_INSTANCE_TYPE;
  if (!findInstanceType(id)) {
    throw new KilnError('InvalidInstanceType.NotFound', `The specified InstanceType "${id}" does not exist.`);
  }
  return id;
}

/**
 * The resource group to use: the one asked for, checked; else the account's default —
 * `knownDefault` when given (a committed default's id, see `default-ids.ts`), else read or made.
 */
export async function resolveResourceGroup(repos: Repositories, accountId: string, resourceGroupId: string | undefined, knownDefault?: string): Promise<string> {
  if (resourceGroupId === undefined) return knownDefault ?? (await ensureDefaultResourceGroup(repos, accountId)).id;
  const group = await repos.resourceGroups.get(accountId, resourceGroupId);
  if (!group) throw new KilnError('InvalidResourceGroup.NotFound', 'The ResourceGroup provided does not exist in our records.');
  return group.id;
}

/** The vSwitch to use: the one asked for, checked; else the scope's default, as for resource groups. */
export async function resolveVSwitch(repos: Repositories, scope: Scope, vSwitchId: string | undefined, knownDefault?: string): Promise<string> {
  if (vSwitchId === undefined) return knownDefault ?? (await ensureDefaultVSwitch(repos, scope)).id;
  const vsw = await repos.vSwitches.get(scope, vSwitchId);
  if (!vsw) throw new KilnError('InvalidVSwitchId.NotFound', `The specified VSwitchId "${vSwitchId}" does not exist.`);
  return vsw.id;
}
