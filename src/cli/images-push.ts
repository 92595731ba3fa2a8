import { configuredRegion } from './configured-region.js';
import { join } from 'node:path';
import { blobStoreOf } from '../main/blob-store.js';
import type { KilnConfig } from '../config/config.js';
import { FileBlobLocations } from '../distribution/blob-locations.js';
import { RegistryClient } from '../distribution/client.js';
import { type CredentialFlags, readStdinText, resolveCredentials } from '../distribution/credentials.js';
import { RegistryError } from '../distribution/errors.js';
import { progressView } from '../distribution/progress-view.js';
import { pushImage } from '../distribution/push.js';
import { isDigestReference, parseReference } from '../distribution/reference.js';
import { KilnError } from '../domain/errors.js';
import { readStoredImage } from '../engine/export/image-blobs.js';
import { boot } from '../main/boot.js';
import { parseCommand, UsageError } from './args.js';

const USAGE = 'usage: kiln images push <ImageId> <registry>/<repository>:<tag> [--region R] [--account ID] [--insecure] [--authfile F] [--username U --password-stdin]';
const TEXT = { type: 'string' } as const;
const FLAG = { type: 'boolean' } as const;
/** The flags `kiln images push` and `kiln images pull` share. */
export const REGISTRY_OPTIONS = { region: TEXT, account: TEXT, insecure: FLAG, authfile: TEXT, username: TEXT, 'password-stdin': FLAG };

/** The credential flags of a parsed command line, checked (`--username` and `--password-stdin` go together). */
export function credentialFlags(command: string, usage: string, values: { username?: string | undefined; 'password-stdin'?: boolean | undefined; authfile?: string | undefined }): CredentialFlags {
  const passwordStdin = values['password-stdin'] === true;
  if ((values.username !== undefined) !== passwordStdin) throw new UsageError(`kiln ${command}: --username and --password-stdin go together`, usage);
  if (values.authfile !== undefined && passwordStdin) throw new UsageError(`kiln ${command}: --authfile or --username, not both`, usage);
  return { ...(values.username !== undefined ? { username: values.username } : {}), passwordStdin, ...(values.authfile ? { authfile: values.authfile } : {}) };
}

/** Where Kiln remembers which repository of a registry holds which blob (for cross-repository mounts). */
export function blobLocationsFile(config: KilnConfig): string {
  return join(config.dataDir, 'distribution', 'blob-locations.json');
}

/**
 * `kiln images push <ImageId> <registry>/<repository>:<tag>`: sends an image the account owns
 * (default: the default account) in the region (default: the first configured one) to a
 * registry over the OCI distribution API, its blobs byte for byte from Kiln's blob store (read
 * through the export engine's `readStoredImage`). Shows progress on stderr; prints the manifest
 * digest.
 */
export async function imagesPush(config: KilnConfig, args: string[], stdin: () => Promise<string> = () => readStdinText()): Promise<number> {
  const { values, positionals } = parseCommand('images push', USAGE, args, REGISTRY_OPTIONS, 2);
  const [imageId, target] = positionals;
  if (!imageId || !target) throw new UsageError('kiln images push: an ImageId and a registry/repository:tag are required', USAGE);
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(target);
  } catch (err) {
    throw new UsageError(`kiln images push: ${(err as Error).message}`, USAGE);
  }
  if (isDigestReference(ref)) throw new UsageError('kiln images push: push to a tag, not a digest', USAGE);
  const regionId = configuredRegion(config, values.region);
  if (regionId === undefined) return 2;
  const flags = credentialFlags('images push', USAGE, values);
  const { app, credentials: kilnCredentials } = await boot(config);
  try {
    const accountId = values.account ?? kilnCredentials.accountId;
    const image = await app.store.images.getOwned({ accountId, regionId }, imageId);
    if (!image?.manifestDigest) {
      console.error(`kiln: the account ${accountId} owns no image ${imageId} in ${regionId}`);
      return 1;
    }
    if (image.status !== 'Available' && image.status !== 'Deprecated') {
      console.error(`kiln: the image ${imageId} is ${image.status}: only an Available or Deprecated image is pushed`);
      return 1;
    }
    const credentials = await resolveCredentials(ref.registry, flags, stdin);
    const client = new RegistryClient({ registry: ref.registry, insecure: values.insecure === true, ...(credentials ? { credentials } : {}) });
    const blobs = blobStoreOf(config);
    const stored = await readStoredImage(blobs, image.manifestDigest);
    const result = await pushImage(client, new FileBlobLocations(blobLocationsFile(config)), blobs, stored, ref, { progress: progressView(process.stderr, 'pushing') });
    console.log(result.manifestDigest);
    return 0;
  } catch (err) {
    if (err instanceof RegistryError || err instanceof KilnError) {
      console.error(`kiln: ${err instanceof KilnError ? `${err.code}: ` : ''}${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await app.store.close();
  }
}
