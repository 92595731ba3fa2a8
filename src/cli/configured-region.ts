import type { KilnConfig } from '../config/config.js';

/**
 * The region a CLI command works in: the one asked for (`--region`), else the first configured.
 * One that KILN_REGIONS does not list is reported on stderr and gives undefined (the command
 * exits 2).
 */
export function configuredRegion(config: Pick<KilnConfig, 'regions'>, asked: string | undefined): string | undefined {
  const regionId = asked ?? config.regions[0]!.regionId;
  if (config.regions.some((r) => r.regionId === regionId)) return regionId;
  console.error(`kiln: the region ${regionId} is not configured (KILN_REGIONS)`);
  return undefined;
}
