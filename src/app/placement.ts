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

export async function resolveResourceGroup(repos: Repositories, accountId: string, resourceGroupId: string | undefined): Promise<string> {
  if (resourceGroupId === undefined) return (await ensureDefaultResourceGroup(repos, accountId)).id;
  const group = await repos.resourceGroups.get(accountId, resourceGroupId);
  if (!group) throw new KilnError('InvalidResourceGroup.NotFound', 'The ResourceGroup provided does not exist in our records.');
  return group.id;
}

export async function resolveVSwitch(repos: Repositories, scope: Scope, vSwitchId: string | undefined): Promise<string> {
  if (vSwitchId === undefined) return (await ensureDefaultVSwitch(repos, scope)).id;
  const vsw = await repos.vSwitches.get(scope, vSwitchId);
  if (!vsw) throw new KilnError('InvalidVSwitchId.NotFound', `The specified VSwitchId "${vSwitchId}" does not exist.`);
  return vsw.id;
}
