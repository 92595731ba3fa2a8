import { newResourceGroupId, newVSwitchId } from '../domain/ids.js';
import type { ResourceGroup } from '../domain/account.js';
import type { Repositories, Scope, VSwitch } from '../domain/ports.js';

/*
 * Every account has a default resource group and, in each region, a default vSwitch, so a
 * template that names neither works at once. They are made on first need (inside the
 * caller's transaction), which also covers regions added to the configuration later and
 * accounts created by another process.
 */

export async function ensureDefaultResourceGroup(tx: Repositories, accountId: string): Promise<ResourceGroup> {
  const existing = await tx.resourceGroups.getDefault(accountId);
  if (existing) return existing;
  const group: ResourceGroup = { id: newResourceGroupId(), accountId, name: 'default', isDefault: true };
  await tx.resourceGroups.insert(group);
  return group;
}

export async function ensureDefaultVSwitch(tx: Repositories, scope: Scope): Promise<VSwitch> {
  const existing = await tx.vSwitches.getDefault(scope);
  if (existing) return existing;
  // A stable private range per region, as a default VPC would have.
  const octet = 16 + ([...scope.regionId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 16);
  const vSwitch: VSwitch = {
    id: newVSwitchId(), ...scope, zoneId: `${scope.regionId}-a`, cidrBlock: `172.${octet}.0.0/20`, isDefault: true,
  };
  await tx.vSwitches.insert(vSwitch);
  return vSwitch;
}
