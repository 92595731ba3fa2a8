import { digestOf, newDigester } from '../blobs/digest.js';
import { readBounded } from './bounded.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { DOCKER_LIST, descriptorOf, type Descriptor, type ImageManifest, imageManifestOf, MANIFEST_TYPES, MAX_JSON_BYTES, mediaTypeOf, OCI_INDEX } from './manifest.js';
import { formatReference, type ImageReference } from './reference.js';

/** The image a pull found: its manifest (bytes as the registry serves them, digest checked) and config bytes. */
export interface RemoteImage {
  manifestDigest: string;
  manifestBytes: Buffer;
  manifest: ImageManifest;
  configBytes: Buffer;
}

/** The platform Kiln pulls from an index: Kiln's instances are linux/amd64. */
const PLATFORM = { os: 'linux', architecture: 'amd64' };

const pullScope = (repository: string) => [`repository:${repository}:pull`];

/**
 * Fetches the manifest `ref` names (from an index or manifest list: the linux/amd64 one) and
 * its config, each bounded and checked against its digest (the one asked for, the index's
 * descriptor, the registry's `Docker-Content-Digest`). Layers are read later (`blobStream`).
 */
export async function fetchImage(client: RegistryClient, ref: ImageReference): Promise<RemoteImage> {
  const where = `${client.registry}/${ref.repository}`;
  let fetched = await fetchManifest(client, ref.repository, ref.reference, `${formatReference(ref)}`);
  for (let depth = 0; fetched.mediaType === OCI_INDEX || fetched.mediaType === DOCKER_LIST; depth++) {
    if (depth > 0) throw new RegistryError(`${where}: an index inside an index is not an image`);
    const entries = Array.isArray(fetched.doc.manifests) ? fetched.doc.manifests : [];
    const chosen = entries.map((m, i) => descriptorOf(m, `${where}: the index's manifest ${i}`))
      .find((d) => d.platform?.os === PLATFORM.os && d.platform?.architecture === PLATFORM.architecture);
    if (!chosen) throw new RegistryError(`${where}: the index ${fetched.digest} has no ${PLATFORM.os}/${PLATFORM.architecture} image`);
    if (chosen.size > MAX_JSON_BYTES) throw new RegistryError(`${where}: the manifest ${chosen.digest} has ${chosen.size} bytes, more than the ${MAX_JSON_BYTES} Kiln reads`);
    fetched = await fetchManifest(client, ref.repository, chosen.digest, `${where}@${chosen.digest}`);
    if (fetched.bytes.length !== chosen.size) throw new RegistryError(`${where}: the manifest ${chosen.digest} has ${fetched.bytes.length} bytes, the index says ${chosen.size}`);
  }
  const manifest = imageManifestOf(fetched.doc, fetched.mediaType, `${where}@${fetched.digest}`);
  const chunks: Buffer[] = [];
  for await (const c of blobStream(client, ref.repository, manifest.config)) chunks.push(Buffer.from(c));
  return { manifestDigest: fetched.digest, manifestBytes: fetched.bytes, manifest, configBytes: Buffer.concat(chunks) };
}

interface Fetched {
  digest: string;
  bytes: Buffer;
  mediaType: string;
  doc: Record<string, unknown>;
}

async function fetchManifest(client: RegistryClient, repository: string, reference: string, what: string): Promise<Fetched> {
  const res = await client.request({ method: 'GET', path: `/v2/${repository}/manifests/${reference}`, scopes: pullScope(repository), repository, headers: { accept: MANIFEST_TYPES.join(', ') } });
  const bytes = await readBounded(res, MAX_JSON_BYTES, `${what}: the manifest`);
  const digest = digestOf(newDigester().update(bytes));
  const claimed = res.headers.get('docker-content-digest');
  if (reference.startsWith('sha256:') && digest !== reference) throw new RegistryError(`${what}: the registry sent a manifest whose digest is ${digest}`);
  if (claimed?.startsWith('sha256:') && claimed !== digest) throw new RegistryError(`${what}: the manifest's digest is ${digest}, the registry says ${claimed}`);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`${what}: the manifest is not JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new RegistryError(`${what}: the manifest is not a JSON object`);
  const record = doc as Record<string, unknown>;
  return { digest, bytes, mediaType: mediaTypeOf(record, res.headers.get('content-type')), doc: record };
}

/**
 * A blob's bytes as the registry sends them, checked while read: more bytes than the
 * descriptor's size stop the transfer at once, and fewer bytes or another digest throw at the
 * end, before the last chunk is handed on (so a consumer writing them never completes a bad blob).
 */
export async function* blobStream(client: RegistryClient, repository: string, d: Descriptor): AsyncGenerator<Uint8Array> {
  const where = `${client.registry}/${repository}: the blob ${d.digest}`;
  const res = await client.request({ method: 'GET', path: `/v2/${repository}/blobs/${d.digest}`, scopes: pullScope(repository), repository });
  if (!res.body) throw new RegistryError(`${where} came without a body`);
  const hash = newDigester();
  let bytes = 0;
  let held: Uint8Array | undefined;
  const reader = res.body.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      bytes += r.value.byteLength;
      if (bytes > d.size) throw new RegistryError(`${where} is larger than its ${d.size} bytes`);
      hash.update(r.value);
      if (held) yield held;
      held = r.value;
    }
    if (bytes !== d.size) throw new RegistryError(`${where} has ${bytes} bytes, its descriptor says ${d.size}`);
    const actual = digestOf(hash);
    if (actual !== d.digest) throw new RegistryError(`${where} does not match its digest (its bytes hash to ${actual})`);
    if (held) yield held;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
