import { basename, join } from 'node:path';
import { imageRegistryOf, requireNameFree } from '../app/image-registry.js';
import { LocalBlobStore } from '../blobs/local-blob-store.js';
import type { KilnConfig } from '../config/config.js';
import { KilnError } from '../domain/errors.js';
import { importArchive } from '../engine/image/import-image.js';
import { readImage } from '../engine/image/oci-image.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { boot } from '../main/boot.js';

const USAGE = 'usage: kiln images import <file> --name <ImageName> [--region R] [--account ID] [--family F] [--description D]';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const FLAGS = ['--name', '--region', '--account', '--family', '--description'];

/**
 * `kiln images import <file> --name N …`: imports a rootfs tarball or an OCI image layout
 * archive as an Available image of the account (default: the default account) in the region
 * (default: the first configured one); prints the new ImageId. The archive is stored by the engine
 * (`importArchive`); the image is registered by the app's image registry (name rule, image quota).
 */
export async function imagesImport(config: KilnConfig, args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith('--') && !FLAGS.includes(args[i - 1] ?? ''));
  const imageName = flag(args, '--name');
  if (!file || !imageName) {
    console.error(USAGE);
    return 2;
  }
  const regionId = flag(args, '--region') ?? config.regions[0]!.regionId;
  if (!config.regions.some((r) => r.regionId === regionId)) {
    console.error(`kiln: the region ${regionId} is not configured (KILN_REGIONS)`);
    return 2;
  }
  const { app, credentials } = await boot(config);
  try {
    const accountId = flag(args, '--account') ?? credentials.accountId;
    if (!(await app.store.accounts.get(accountId))) {
      console.error(`kiln: no account ${accountId}`);
      return 2;
    }
    const scope = { accountId, regionId };
    const registry = imageRegistryOf(app);
    // The name is checked before the archive is unpacked (and again when the image is registered).
    await requireNameFree(app.store, scope, imageName);
    const blobs = new LocalBlobStore(join(config.dataDir, 'blobs'));
    const manifestDigest = await importArchive({ blobs, layers: new LayerStore(config.dataDir, blobs) }, file);
    const { layers } = await readImage(blobs, manifestDigest);
    const family = flag(args, '--family');
    const image = await registry.registerImported({
      scope, imageName, ...(family ? { imageFamily: family } : {}),
      description: flag(args, '--description') || `Imported from ${basename(file)}`,
      tags: [], manifestDigest, layers, what: `importing ${basename(file)}`,
    });
    console.log(image.imageId);
    return 0;
  } catch (err) {
    if (err instanceof KilnError) {
      console.error(`kiln: ${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await app.store.close();
  }
}
