import { type CpuArchitecture, cpuArchitectureOf, INSTANCE_TYPES, type InstanceType, instanceTypeFamilies } from '../domain/catalog/instance-types.js';
import { imageNotFound } from '../domain/image-rules.js';
import type { Scope } from '../domain/ports.js';
import type { App } from './app.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';

/*
 * The instance-type catalog as the API shows it: DescribeInstanceTypes,
 * DescribeImageSupportInstanceTypes, DescribeInstanceTypeFamilies. Every answer comes from
 * the one catalog CreateImagePipeline checks InstanceType against.
 */

/** DescribeInstanceTypes' filters Kiln can answer; each already checked on its own by the wire spec. */
export interface InstanceTypeQuery {
  instanceTypes: string[];
  families: string[];
  architectures: CpuArchitecture[];
  categories: string[];
  level?: string;
  minCpu?: number;
  maxCpu?: number;
  minMemory?: number;
  maxMemory?: number;
  minEni?: number;
  nvmeSupport?: string;
  /**
   * The request asks for something no Kiln type has (GPUs, local disks, FPGA, burst credits
   * above zero…): the answer is empty, as ECS answers a filter no type meets.
   */
  unmet: boolean;
  maxResults: number;
  nextToken?: string;
}

function within(value: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

function matches(t: InstanceType, q: InstanceTypeQuery): boolean {
  const anyOf = <T>(values: readonly T[], v: T) => values.length === 0 || values.includes(v);
  return anyOf(q.instanceTypes, t.instanceTypeId)
    && anyOf(q.families, t.family)
    && anyOf(q.architectures, t.cpuArchitecture)
    && anyOf(q.categories, t.category)
    && (q.level === undefined || t.level === q.level)
    && (q.nvmeSupport === undefined || t.nvmeSupport === q.nvmeSupport)
    && within(t.cpuCoreCount, q.minCpu, q.maxCpu)
    && within(t.memorySizeGiB, q.minMemory, q.maxMemory)
    && within(t.eniQuantity, q.minEni, undefined);
}

/**
 * DescribeInstanceTypes: the catalog's types that meet every filter, in catalog order, a page
 * of `maxResults` after the position `nextToken` holds (`Invalid.NextToken` when Kiln did not
 * issue it). `nextToken` of the answer is empty on the last page.
 */
export function describeInstanceTypes(q: InstanceTypeQuery): { items: InstanceType[]; nextToken: string } {
  const after = decodeNextToken(q.nextToken) ?? -1;
  const found = q.unmet ? [] : INSTANCE_TYPES.map((type, index) => ({ type, index })).filter((e) => e.index > after && matches(e.type, q));
  const page = found.slice(0, q.maxResults);
  const more = found.length > page.length;
  return { items: page.map((e) => e.type), nextToken: more ? encodeNextToken(page[page.length - 1]?.index) : '' };
}

/**
 * DescribeImageSupportInstanceTypes: the types an image visible to the caller (system, own,
 * shared with it) can run on — those of its CPU architecture. An image the caller cannot see
 * is `InvalidImageId.NotFound`. Without an image, every type.
 */
export async function imageSupportInstanceTypes(app: App, scope: Scope, imageId: string | undefined): Promise<InstanceType[]> {
  if (imageId === undefined) return [...INSTANCE_TYPES];
  const image = await app.imagesIn(app.store).find(scope, imageId);
  if (!image) throw imageNotFound(imageId);
  const arch = cpuArchitectureOf(image.architecture);
  return INSTANCE_TYPES.filter((t) => t.cpuArchitecture === arch);
}

/** DescribeInstanceTypeFamilies: the catalog's families, of one generation when asked. */
export function describeInstanceTypeFamilies(generation: string | undefined): Array<{ family: string; generation: string }> {
  return instanceTypeFamilies().filter((f) => generation === undefined || f.generation === generation);
}
