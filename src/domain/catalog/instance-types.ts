/**
 * Instance types an intermediate instance can use. The build engine turns vCPU and memory
 * into real limits (cgroups), so the numbers matter. DescribeInstanceTypes,
 * DescribeImageSupportInstanceTypes and DescribeInstanceTypeFamilies answer from this list,
 * and CreateImagePipeline's InstanceType is checked against it: what a client discovers is
 * exactly what a template accepts.
 */
export interface InstanceType {
  instanceTypeId: string;
  family: string;
  cpuCoreCount: number;
  memorySizeGiB: number;
  /** `X86` or `ARM`, as DescribeInstanceTypes writes it. Kiln's builders run x86_64 containers only. */
  cpuArchitecture: CpuArchitecture;
  /** DescribeInstanceTypes' InstanceCategory (`General-purpose`, `Compute-optimized`, …). */
  category: string;
  /** DescribeInstanceTypes' InstanceFamilyLevel: `EntryLevel`, `EnterpriseLevel` or `CreditEntryLevel`. */
  level: 'EntryLevel' | 'EnterpriseLevel' | 'CreditEntryLevel';
  /** DescribeInstanceTypeFamilies' Generation (`ecs-4` is the sixth generation of families). */
  generation: string;
  /** Elastic network interfaces the type takes on ECS (Terraform's `eni_amount` filter reads it). */
  eniQuantity: number;
  /** Whether disks attach over NVMe: `required` or `unsupported`. */
  nvmeSupport: 'required' | 'unsupported';
}

export type CpuArchitecture = 'X86' | 'ARM';
export const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ['X86', 'ARM'];

/** What a family's types share. */
type FamilyTraits = Pick<InstanceType, 'category' | 'level' | 'generation' | 'nvmeSupport'>;

const FAMILIES: Readonly<Record<string, FamilyTraits>> = {
  'ecs.t6': { category: 'Shared', level: 'CreditEntryLevel', generation: 'ecs-4', nvmeSupport: 'unsupported' },
  'ecs.u1': { category: 'General-purpose', level: 'EnterpriseLevel', generation: 'ecs-5', nvmeSupport: 'unsupported' },
  'ecs.e': { category: 'Shared', level: 'EntryLevel', generation: 'ecs-6', nvmeSupport: 'unsupported' },
  'ecs.c6': { category: 'Compute-optimized', level: 'EnterpriseLevel', generation: 'ecs-4', nvmeSupport: 'unsupported' },
  'ecs.c7': { category: 'Compute-optimized', level: 'EnterpriseLevel', generation: 'ecs-5', nvmeSupport: 'unsupported' },
  'ecs.g6': { category: 'General-purpose', level: 'EnterpriseLevel', generation: 'ecs-4', nvmeSupport: 'unsupported' },
  'ecs.g7': { category: 'General-purpose', level: 'EnterpriseLevel', generation: 'ecs-5', nvmeSupport: 'unsupported' },
  'ecs.g8i': { category: 'General-purpose', level: 'EnterpriseLevel', generation: 'ecs-6', nvmeSupport: 'required' },
  'ecs.r6': { category: 'Memory-optimized', level: 'EnterpriseLevel', generation: 'ecs-4', nvmeSupport: 'unsupported' },
  'ecs.r7': { category: 'Memory-optimized', level: 'EnterpriseLevel', generation: 'ecs-5', nvmeSupport: 'unsupported' },
};

const t = (instanceTypeId: string, cpuCoreCount: number, memorySizeGiB: number): InstanceType => {
  // `ecs.t6-c1m1.large` is of family `ecs.t6`, as ECS names it.
  const family = `ecs.${instanceTypeId.split('.')[1]?.split('-')[0]}`;
  const traits = FAMILIES[family];
  if (!traits) throw new Error(`instance type ${instanceTypeId}: family ${family} has no traits`);
  // ECS gives a 2-vCPU type 2 ENIs, 4 vCPUs 3, 8 vCPUs 4.
  const eniQuantity = Math.min(8, 1 + Math.max(1, Math.round(Math.log2(cpuCoreCount))));
  return { instanceTypeId, family, cpuCoreCount, memorySizeGiB, cpuArchitecture: 'X86', eniQuantity, ...traits };
};

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

/** The families of the catalog with their generation, in catalog order. */
export function instanceTypeFamilies(): Array<{ family: string; generation: string }> {
  return Object.entries(FAMILIES).map(([family, traits]) => ({ family, generation: traits.generation }));
}

/** The CPU architecture an image's `Architecture` (`x86_64`, `arm64`, `i386`) runs on. */
export function cpuArchitectureOf(imageArchitecture: string): CpuArchitecture {
  return imageArchitecture === 'arm64' ? 'ARM' : 'X86';
}
