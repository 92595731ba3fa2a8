import assert from 'node:assert/strict';
import type { RawResponse } from '../../support/wire.js';

/*
 * Assertions on the gateway's response envelope as it is on the wire: the request id and the
 * ECS error body.
 */

/** The body's RequestId is an upper-case UUID and the `x-acs-request-id` header repeats it. */
export function assertRequestId(res: RawResponse, body: Record<string, unknown>): void {
  assert.match(String(body.RequestId), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  assert.equal(res.headers['x-acs-request-id'], body.RequestId);
}

/** The response is an ECS error body with `code` and HTTP `status`; returns the parsed body. */
export function assertErrorBody(res: RawResponse, code: string, status: number): Record<string, unknown> {
  assert.equal(res.status, status, res.text);
  const body = res.json();
  assert.equal(body.Code, code, res.text);
  assertRequestId(res, body);
  assert.equal(typeof body.Message, 'string');
  assert.equal(typeof body.HostId, 'string');
  assert.equal(body.Recommend, `https://api.aliyun.com/troubleshoot?q=${code}&product=Ecs&requestId=${String(body.RequestId)}`);
  return body;
}
