import { kilnFixture } from '../../support/kiln-fixture.js';
import type { TestKiln } from '../../support/kiln.js';
import { rfc3986Encode, signV1, v1CommonParams } from '../../support/wire.js';

/*
 * The raw-protocol conformance suites (protocol, protocol-errors): one Kiln per file and the
 * V1 requests they sign themselves with its root AccessKey.
 */

/** Options of {@link ProtocolFixture.v1Query}: a wrong secret, a fixed timestamp or nonce, another format or version. */
export interface V1QueryOptions {
  secret?: string;
  timestamp?: string;
  nonce?: string;
  format?: string;
  version?: string;
}

/** What {@link protocolFixture} gives a test file. */
export interface ProtocolFixture {
  /** The Kiln started by the file's `before` hook (only valid inside tests). */
  readonly kiln: TestKiln;
  /** The root AccessKey id of that Kiln. */
  ak(): string;
  /** The root AccessKey secret of that Kiln. */
  secret(): string;
  /** A V1 request with every parameter in the query string (what the SDK's `v2` mode and pop GET send). */
  v1Query(method: string, action: string, params: Record<string, string>, o?: V1QueryOptions): { path: string; stringToSign: string; params: Record<string, string> };
}

/** Starts a Kiln before the file's tests and stops it after them; call at module level. */
export function protocolFixture(): ProtocolFixture {
  const api = kilnFixture();
  const running = (): TestKiln => api.kiln;
  const ak = () => running().credentials.accessKeyId;
  const secret = () => running().credentials.accessKeySecret;
  return {
    get kiln() {
      return running();
    },
    ak,
    secret,
    v1Query(method, action, params, o = {}) {
      const all = { ...v1CommonParams({ accessKeyId: ak(), action, ...o }), ...params };
      const { signature, stringToSign } = signV1(method, all, o.secret ?? secret());
      return { path: `/?${rfc3986Encode({ ...all, Signature: signature })}`, stringToSign, params: all };
    },
  };
}
