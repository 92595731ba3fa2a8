import { configuredRegion } from './configured-region.js';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { imageRegistryOf, requireNameFree } from '../app/image-registry.js';
import { blobStoreOf } from '../main/blob-store.js';
import { removeStaleStaging } from '../blobs/stale-staging.js';
import type { KilnConfig } from '../config/config.js';
import { FileBlobLocations } from '../distribution/blob-locations.js';
import { RegistryClient } from '../distribution/client.js';
import { readStdinText, resolveCredentials } from '../distribution/credentials.js';
import { RegistryError } from '../distribution/errors.js';
import { blobStream, fetchImage, type RemoteImage } from '../distribution/pull.js';
import { progressView } from '../distribution/progress-view.js';
import { formatReference, parseReference } from '../distribution/reference.js';
import type { TransferProgress } from '../distribution/transfer-progress.js';
import { KilnError } from '../domain/errors.js';
import { importArchive } from '../engine/image/import-image.js';
import { readImage } from '../engine/image/oci-image.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import type { TarWriteEntry } from '../engine/layers/tar/tar-writer.js';
import { writeTar } from '../engine/layers/tar/tar-writer.js';
import { boot } from '../main/boot.js';
import { parseCommand, UsageError } from './args.js';
import { blobLocationsFile, credentialFlags, REGISTRY_OPTIONS } from './images-push.js';

const USAGE = 'usage: kiln images pull <registry>/<repository>:<tag>|@<digest> --name N [--region R] [--account ID] [--family F] [--description D] [--insecure] [--authfile F] [--username U --password-stdin]';
const TEXT = { type: 'string' } as const;
const OPTIONS = { ...REGISTRY_OPTIONS, name: TEXT, family: TEXT, description: TEXT };

/**
 * `kiln images pull <registry>/<repository>:<tag> --name N`: fetches an image (OCI or Docker
 * schema 2; from an index, the linux/amd64 one) with every digest checked while it is read,
 * hands it to the engine's import as an OCI image layout archive (the same safe path as
 * `kiln images import`: blobs checked again, layers unpacked by the safe extractor, diff_ids
 * checked) and registers it in the account through the app's image registry (name rule, image
 * quota). Prints the new ImageId. On any failure nothing is registered.
 */
export async function imagesPull(config: KilnConfig, args: string[], stdin: () => Promise<string> = () => readStdinText()): Promise<number> {
  const { values, positionals } = parseCommand('images pull', USAGE, args, OPTIONS, 1);
  const source = positionals[0];
  const imageName = values.name;
  if (!source || !imageName) throw new UsageError('kiln images pull: a registry/repository:tag and --name are required', USAGE);
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(source);
  } catch (err) {
    throw new UsageError(`kiln images pull: ${(err as Error).message}`, USAGE);
  }
  const flags = credentialFlags('images pull', USAGE, values);
  const regionId = configuredRegion(config, values.region);
  if (regionId === undefined) return 2;
  const { app, credentials: kilnCredentials } = await boot(config);
  const pulls = join(config.dataDir, 'distribution', 'pulls');
  let temp: string | undefined;
  try {
    const accountId = values.account ?? kilnCredentials.accountId;
    if (!(await app.store.accounts.get(accountId))) {
      console.error(`kiln: no account ${accountId}`);
      return 2;
    }
    const scope = { accountId, regionId };
    await requireNameFree(app.store, scope, imageName);
    const credentials = await resolveCredentials(ref.registry, flags, stdin);
    const client = new RegistryClient({ registry: ref.registry, insecure: values.insecure === true, ...(credentials ? { credentials } : {}) });
    await client.ping();
    const remote = await fetchImage(client, ref);
    const blobs = blobStoreOf(config);
    const layerStore = new LayerStore(config.dataDir, blobs);
    const bytes = remote.manifest.layers.reduce((n, l) => n + l.size, remote.configBytes.length);
    if (bytes > layerStore.maxTarBytes) throw new RegistryError(`${ref.registry}/${ref.repository}: the image has ${bytes} bytes of blobs, more than the ${layerStore.maxTarBytes} Kiln imports`);
    // A pull's scratch folder names its process: one a killed pull left is removed by the next.
    await mkdir(pulls, { recursive: true, mode: 0o700 });
    await removeStaleStaging(pulls);
    temp = join(pulls, `pull-${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(temp, { mode: 0o700 });
    const archive = join(temp, 'image.tar');
    await pipeline(Readable.from(writeTar(layoutEntries(client, ref.repository, remote, progressView(process.stderr, 'pulling')))), createWriteStream(archive, { mode: 0o600 }));
    const what = `kiln images pull ${formatReference(ref)}`;
    const manifestDigest = await importArchive({ blobs, layers: layerStore }, archive, what);
    const { layers } = await readImage(blobs, manifestDigest);
    const family = values.family;
    const image = await imageRegistryOf(app).registerImported({
      scope, imageName, ...(family ? { imageFamily: family } : {}),
      description: values.description || `Pulled from ${formatReference(ref)}`,
      tags: [], manifestDigest, layers, what: `pulling ${formatReference(ref)}`,
    });
    await new FileBlobLocations(blobLocationsFile(config)).record(ref.registry, ref.repository, [remote.manifest.config.digest, ...remote.manifest.layers.map((l) => l.digest)]);
    console.log(image.imageId);
    return 0;
  } catch (err) {
    if (err instanceof RegistryError || err instanceof KilnError) {
      console.error(`kiln: ${err instanceof KilnError ? `${err.code}: ` : ''}${err.message}`);
      return 1;
    }
    throw new Error(`pulling ${formatReference(ref)}: ${(err as Error).message}`);
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
    await app.store.close();
  }
}

/**
 * The pulled image as an OCI image layout archive's members: `oci-layout`, `index.json` naming
 * the manifest, then the manifest, the config and each layer (read from the registry as the
 * archive is written, checked by `blobStream`, its bytes told to `progress`).
 */
async function* layoutEntries(client: RegistryClient, repository: string, remote: RemoteImage, progress: TransferProgress): AsyncGenerator<TarWriteEntry> {
  const file = (name: string, size: number, body: TarWriteEntry['body']): TarWriteEntry => ({ header: { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: 0 }, body });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const layout = json({ imageLayoutVersion: '1.0.0' });
  const index = json({ schemaVersion: 2, manifests: [{ mediaType: remote.manifest.mediaType, digest: remote.manifestDigest, size: remote.manifestBytes.length }] });
  const blob = (digest: string) => `blobs/sha256/${digest.slice('sha256:'.length)}`;
  const { config } = remote.manifest;
  const layers = [...new Map(remote.manifest.layers.filter((l) => l.digest !== config.digest).map((l) => [l.digest, l])).values()];
  progress.begin?.([config, ...layers], [config, ...layers].reduce((n, b) => n + b.size, 0));
  yield file('oci-layout', layout.length, layout);
  yield file('index.json', index.length, index);
  yield file(blob(remote.manifestDigest), remote.manifestBytes.length, remote.manifestBytes);
  yield file(blob(config.digest), remote.configBytes.length, remote.configBytes);
  progress.bytes?.(config.digest, config.size);
  progress.done?.(config, 'downloaded');
  for (const layer of layers) {
    const counted = async function* () {
      for await (const chunk of blobStream(client, repository, layer)) {
        progress.bytes?.(layer.digest, chunk.byteLength);
        yield chunk;
      }
      progress.done?.(layer, 'downloaded');
    };
    yield file(blob(layer.digest), layer.size, counted());
  }
}
