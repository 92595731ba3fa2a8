import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount } from '../../../src/auth/accounts.js';
import { newAccountId } from '../../../src/domain/ids.js';
import { $Ecs } from '../../support/builds.js';
import { REGION, type EcsClient, type TestKiln } from '../../support/kiln.js';

/* ImportImage through the official SDK: the request, the task's end, a tenant of its own. */

export const IMAGES_BUCKET = 'kiln-import';

export interface Mapping { bucket?: string; object?: string; format?: string }

export function importRequest(mapping: Mapping, fields: Partial<$Ecs.ImportImageRequest> = {}): $Ecs.ImportImageRequest {
  return new $Ecs.ImportImageRequest({
    regionId: REGION,
    diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: mapping.bucket ?? IMAGES_BUCKET, OSSObject: mapping.object, ...(mapping.format ? { format: mapping.format } : {}) })],
    ...fields,
  });
}

/** Waits (on the task's status, not a clock) until the task has ended; returns DescribeTaskAttribute's body. */
export async function taskEnd(client: EcsClient, taskId: string): Promise<$Ecs.DescribeTaskAttributeResponseBody> {
  for (let i = 0; i < 1200; i++) {
    const { body } = await client.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId }));
    if (body && ['Finished', 'Failed', 'Deleted'].includes(body.taskStatus ?? '')) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${taskId} did not end`);
}

/** An account of its own with a V3 client (no OSS grant unless KILN_OSS_ACCOUNTS names it). */
export async function newTenant(kiln: TestKiln, name: string): Promise<{ accountId: string; v3: EcsClient }> {
  const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { id: newAccountId(), name });
  return { accountId: made.account.id, v3: kiln.clientsFor(made.accessKey.id, made.accessKey.secret).v3 };
}

/** An OCI image layout archive whose one blob does not hash to its name. */
export function ociArchiveWithDigestMismatch(dir: string): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const claimed = createHash('sha256').update('what the name promises').digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', claimed), 'something else');
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${claimed}`, size: 14 }] }));
  const out = `${dir}.tar`;
  execFileSync('tar', ['-C', dir, '-cf', out, 'oci-layout', 'index.json', 'blobs']);
  return out;
}
