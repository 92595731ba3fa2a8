import { configuredRegion } from './configured-region.js';
import { basename, join } from 'node:path';
import { imageRegistryOf, requireNameFree } from '../app/image-registry.js';
import { blobStoreOf } from '../main/blob-store.js';
import type { KilnConfig } from '../config/config.js';
import { KilnError } from '../domain/errors.js';
import { importImageFile } from '../engine/import/import-file.js';
import { readImage } from '../engine/image/oci-image.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { boot } from '../main/boot.js';
import { parseCommand, UsageError } from './args.js';

const USAGE = 'usage: kiln images import <file> --name N [--format raw|qcow2|vhd|vmdk|vdi] [--region R] [--account ID] [--family F] [--description D]';
const TEXT = { type: 'string' } as const;
const OPTIONS = { name: TEXT, format: TEXT, region: TEXT, account: TEXT, family: TEXT, description: TEXT };

/**
 * `kiln images import <file> --name N …`: imports a rootfs tarball, an OCI image layout
 * archive or a disk image (RAW, QCOW2, VHD, VMDK, VDI; `--format` is checked against the file)
 * as an Available image of the account (default: the default account) in the region (default:
 * the first configured one); prints the new ImageId. The file is stored by the engine
 * (`importImageFile`); the image is registered by the app's image registry (name rule, image quota).
 */
export async function imagesImport(config: KilnConfig, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('images import', USAGE, args, OPTIONS, 1);
  const file = positionals[0];
  const imageName = values.name;
  if (!file || !imageName) throw new UsageError('kiln images import: a file and --name are required', USAGE);
  const regionId = configuredRegion(config, values.region);
  if (regionId === undefined) return 2;
  const { app, credentials } = await boot(config);
  try {
    const accountId = values.account ?? credentials.accountId;
    if (!(await app.store.accounts.get(accountId))) {
      console.error(`kiln: no account ${accountId}`);
      return 2;
    }
    const scope = { accountId, regionId };
    const registry = imageRegistryOf(app);
    // The name is checked before the archive is unpacked (and again when the image is registered).
    await requireNameFree(app.store, scope, imageName);
    const blobs = blobStoreOf(config);
    const { manifestDigest } = await importImageFile({ blobs, layers: new LayerStore(config.dataDir, blobs) }, file, {
      tmpDir: join(config.dataDir, 'tmp', 'import'), ...(values.format ? { declaredFormat: values.format } : {}),
    });
    const { layers } = await readImage(blobs, manifestDigest);
    const family = values.family;
    const image = await registry.registerImported({
      scope, imageName, ...(family ? { imageFamily: family } : {}),
      description: values.description || `Imported from ${basename(file)}`,
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
