/**
 * Instance types an intermediate instance can use. The build engine turns vCPU and memory
 * into real limits (cgroups), so the numbers matter.
 */
export interface InstanceType {
  instanceTypeId: string;
  family: string;
  cpuCoreCount: number;
  memorySizeGiB: number;
}

const t = (instanceTypeId: string, cpuCoreCount: number, memorySizeGiB: number): InstanceType => ({
  instanceTypeId,
  family: instanceTypeId.split('.').slice(0, 2).join('.'),
  cpuCoreCount,
  memorySizeGiB,
});

export const INSTANCE_TYPES: readonly InstanceType[] = [
  t('ecs.t6-c1m1.large', 2, 2),
  t('ecs.t6-c1m2.large', 2, 4),
  t('ecs.t6-c1m4.large', 2, 8),
  t('ecs.u1-c1m1.large', 2, 2),
  t('ecs.u1-c1m2.large', 2, 4),
  t('ecs.u1-c1m4.large', 2, 8),
  t('ecs.e-c1m1.large', 2, 2),
  t('ecs.e-c1m2.large', 2, 4),
  t('ecs.c6.large', 2, 4),
  t('ecs.c6.xlarge', 4, 8),
  t('ecs.c7.large', 2, 4),
  t('ecs.c7.xlarge', 4, 8),
  t('ecs.g6.large', 2, 8),
  t('ecs.g6.xlarge', 4, 16),
  t('ecs.g6.2xlarge', 8, 32),
  t('ecs.g7.large', 2, 8),
  t('ecs.g7.xlarge', 4, 16),
  t('ecs.g8i.large', 2, 8),
  t('ecs.g8i.xlarge', 4, 16),
  t('ecs.r6.large', 2, 16),
  t('ecs.r7.large', 2, 16),
];

/** What the cloud picks when a template names no type: the smallest general-purpose one. */
export const DEFAULT_INSTANCE_TYPE = 'ecs.g6.large';

export function findInstanceType(id: string): InstanceType | undefined {
  return INSTANCE_TYPES.find((x) => x.instanceTypeId === id);
}
