import assert from 'node:assert/strict';
import { $Ecs } from '../../support/ecs-requests.js';
import { REGION, type EcsClient } from '../../support/kiln.js';

/*
 * The image requests the account-image conformance suites send through the official SDK,
 * in the default region unless the fields say otherwise.
 */

/** The fields of a DescribeImages request. */
export type DescribeFields = ConstructorParameters<typeof $Ecs.DescribeImagesRequest>[0];

/** DescribeImages, asserting a 200 with a body. */
export async function describeImages(client: EcsClient, fields: DescribeFields = {}): Promise<$Ecs.DescribeImagesResponseBody> {
  const res = await client.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, ...fields }));
  assert.equal(res.statusCode, 200);
  assert.ok(res.body);
  return res.body;
}

/** The sorted image ids DescribeImages returns (one page of 100). */
export async function ids(client: EcsClient, fields: DescribeFields = {}): Promise<string[]> {
  return ((await describeImages(client, { pageSize: 100, ...fields })).images?.image ?? []).map((i) => i.imageId!).sort();
}

/** ModifyImageSharePermission. */
export function share(client: EcsClient, imageId: string, add: string[] = [], remove: string[] = [], more: { isPublic?: boolean; regionId?: string } = {}) {
  return client.modifyImageSharePermission(new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId, addAccount: add, removeAccount: remove, ...more }));
}

/** DescribeImageSharePermission. */
export function shares(client: EcsClient, imageId: string, page: { pageNumber?: number; pageSize?: number } = {}) {
  return client.describeImageSharePermission(new $Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId, ...page }));
}

/** DeleteImage. */
export function remove(client: EcsClient, imageId: string, force?: boolean) {
  return client.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId, force }));
}

/** CopyImage. */
export function copy(client: EcsClient, fields: ConstructorParameters<typeof $Ecs.CopyImageRequest>[0]) {
  return client.copyImage(new $Ecs.CopyImageRequest({ regionId: REGION, ...fields }));
}
