import { describeInstanceTypes as describe } from '../../app/instance-types.js';
import { CPU_ARCHITECTURES, type InstanceType } from '../../domain/catalog/instance-types.js';
import { invalidParameter } from '../../domain/errors.js';
import { defineOperation } from './operation.js';
import { int, list, notSupported, str, violation, type ListOptions } from './spec/build.js';
import { nextToken } from './spec/common.js';
import type { Violation } from './spec/param.js';

/** `MaxResults` of DescribeInstanceTypes: 1–100 (ECS's limit since November 2023), default 100. */
const MAX_RESULTS = 100;

const atMost = (max: number): ListOptions => ({
  maxItems: { max, violation: { error: (c) => invalidParameter(c.name, `at most ${max} values are accepted; got ${c.value}.`) } },
});
const BAD_VALUE: Violation = { error: (c) => invalidParameter(c.path, `"${c.value}" is not a valid value.`) };
const positive = (wire: string, doc?: string) => int(wire, { range: { min: 1, violation: BAD_VALUE }, ...(doc ? { doc } : {}) });
/** A decimal number (memory sizes in GiB may be fractional). */
const decimal = (wire: string) => str(wire, { rule: { test: (v: string) => /^\d{1,9}(\.\d{1,6})?$/.test(v), describe: 'a non-negative decimal number', violation: BAD_VALUE } });
const architecture = str('CpuArchitecture', { enum: { values: CPU_ARCHITECTURES, violation: notSupported('InvalidParameter') } });
const LEVELS = ['EntryLevel', 'EnterpriseLevel', 'CreditEntryLevel'] as const;
const unmetDoc = 'No Kiln instance type has one: a value (above 0) selects nothing.';

/** One type as DescribeInstanceTypes writes it (`DescribeInstanceTypesResponseBodyInstanceTypesInstanceType`). */
function presentType(t: InstanceType): Record<string, unknown> {
  return {
    InstanceTypeId: t.instanceTypeId,
    InstanceTypeFamily: t.family,
    CpuCoreCount: t.cpuCoreCount,
    MemorySize: t.memorySizeGiB,
    CpuArchitecture: t.cpuArchitecture,
    InstanceCategory: t.category,
    InstanceFamilyLevel: t.level,
    EniQuantity: t.eniQuantity,
    NvmeSupport: t.nvmeSupport,
    GPUAmount: 0,
    GPUSpec: '',
    LocalStorageAmount: 0,
    LocalStorageCategory: '',
  };
}

/**
 * DescribeInstanceTypes → `InstanceTypes.InstanceType[]` + `NextToken`: the catalog's types
 * (the ones CreateImagePipeline accepts), filtered, keyset-paged. Filters on performance
 * figures Kiln does not model (clock speeds, bandwidth, PPS, queues, credits) are accepted
 * and not applied: docs/api-notes/instance-types.md.
 */
export const describeInstanceTypes = defineOperation({
  action: 'DescribeInstanceTypes',
  summary: 'The instance types a template\'s InstanceType may name, filtered by id, family, architecture, category, level, vCPUs and memory; keyset-paged.',
  params: {
    instanceTypes: list('InstanceTypes', str('InstanceTypes'), { ...atMost(10), doc: '1–10 instance type ids (InvalidParameter above 10).' }),
    instanceTypeFamily: str('InstanceTypeFamily', { doc: 'A family, e.g. ecs.g6 (see DescribeInstanceTypeFamilies).' }),
    instanceTypeFamilies: list('InstanceTypeFamilies', str('InstanceTypeFamilies'), atMost(10)),
    cpuArchitecture: architecture,
    cpuArchitectures: list('CpuArchitectures', architecture, atMost(2)),
    instanceCategory: str('InstanceCategory', { doc: 'General-purpose, Compute-optimized, Memory-optimized, Shared, … (exact match).' }),
    instanceCategories: list('InstanceCategories', str('InstanceCategories'), atMost(10)),
    instanceFamilyLevel: str('InstanceFamilyLevel', { enum: { values: LEVELS, violation: notSupported('InvalidParameter') } }),
    minimumCpuCoreCount: positive('MinimumCpuCoreCount'),
    maximumCpuCoreCount: positive('MaximumCpuCoreCount'),
    minimumMemorySize: decimal('MinimumMemorySize'),
    maximumMemorySize: decimal('MaximumMemorySize'),
    minimumEniQuantity: positive('MinimumEniQuantity'),
    nvmeSupport: str('NvmeSupport', { enum: { values: ['required', 'unsupported'], violation: notSupported('InvalidParameter') } }),
    gpuSpec: str('GPUSpec', { doc: unmetDoc }),
    gpuSpecs: list('GpuSpecs', str('GpuSpecs'), { ...atMost(10), doc: unmetDoc }),
    minimumGpuAmount: int('MinimumGPUAmount', { doc: unmetDoc }),
    localStorageCategory: str('LocalStorageCategory', { doc: unmetDoc }),
    localStorageCategories: list('LocalStorageCategories', str('LocalStorageCategories'), { ...atMost(10), doc: unmetDoc }),
    minimumLocalStorageAmount: int('MinimumLocalStorageAmount', { doc: unmetDoc }),
    physicalProcessorModel: str('PhysicalProcessorModel', { doc: 'Kiln reports no processor model: any value selects nothing.' }),
    maxResults: int('MaxResults', {
      range: { min: 1, max: MAX_RESULTS, violation: violation('InvalidParameter.MaxResults', (c) => `The specified MaxResults ${c.value} is not valid: it must be from 1 to ${MAX_RESULTS}.`) },
      default: MAX_RESULTS,
    }),
    nextToken,
  },
  async run({ input: i }) {
    const page = describe({
      instanceTypes: i.instanceTypes,
      families: [...i.instanceTypeFamilies, ...(i.instanceTypeFamily ? [i.instanceTypeFamily] : [])],
      architectures: [...i.cpuArchitectures, ...(i.cpuArchitecture ? [i.cpuArchitecture] : [])],
      categories: [...i.instanceCategories, ...(i.instanceCategory ? [i.instanceCategory] : [])],
      level: i.instanceFamilyLevel,
      minCpu: i.minimumCpuCoreCount,
      maxCpu: i.maximumCpuCoreCount,
      minMemory: i.minimumMemorySize === undefined ? undefined : Number(i.minimumMemorySize),
      maxMemory: i.maximumMemorySize === undefined ? undefined : Number(i.maximumMemorySize),
      minEni: i.minimumEniQuantity,
      nvmeSupport: i.nvmeSupport,
      unmet: i.gpuSpec !== undefined || i.gpuSpecs.length > 0 || (i.minimumGpuAmount ?? 0) > 0
        || i.localStorageCategory !== undefined || i.localStorageCategories.length > 0 || (i.minimumLocalStorageAmount ?? 0) > 0
        || i.physicalProcessorModel !== undefined,
      maxResults: i.maxResults,
      nextToken: i.nextToken,
    });
    return { InstanceTypes: { InstanceType: page.items.map(presentType) }, NextToken: page.nextToken };
  },
});
