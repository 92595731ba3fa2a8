import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate } from '../../../src/api/rpc/authenticate.js';
import { decodeRequest } from '../../../src/api/rpc/decode.js';
import type { RawRequest } from '../../../src/api/rpc/raw-request.js';
import { StoredNonceRegistry } from '../../../src/api/rpc/stored-nonce-registry.js';
import type { Store } from '../../../src/domain/ports.js';
import { createStore } from '../../../src/store/create-store.js';
import { freshDatabase } from '../../support/pg.js';
import { ecsTimestamp, signV3 } from '../../support/wire.js';

/*
 * Signature checks at chosen instants: "API processes" (each its own StoredNonceRegistry and
 * clock, as the server builds them) on one real store (SQLite file or PostgreSQL database),
 * authenticating V3 requests signed by the independent test signer (test/support/wire.ts).
 * Times are injected: no test waits for a clock.
 */

export const CREDS = { accessKeyId: `LTAIclock${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(15).toString('hex') };
const ACCOUNT = '1234567890123456';

/** A real store of each kind, opened fresh; `close` also removes it. */
export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  open(): Promise<{ store: Store; close(): Promise<void> }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-clock-'));
      const store = await createStore({ dataDir: dir });
      return { store, close: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const db = await freshDatabase('kiln_clock');
      const store = await createStore({ databaseUrl: db.url, dataDir: '/nonexistent' });
      return { store, close: async () => { await store.close(); await db.drop(); } };
    },
  },
];

/** A DescribeImagePipelines V3 request (authenticated only, never served), signed with `x-acs-date` = `date`. */
export function signedAt(date: Date, nonce = randomBytes(32).toString('hex')): RawRequest {
  const signed = signV3({
    accessKeyId: CREDS.accessKeyId, secret: CREDS.accessKeySecret, action: 'DescribeImagePipelines',
    host: 'kiln.test', date: ecsTimestamp(date), nonce, query: { RegionId: 'cn-hangzhou' },
  });
  const q = signed.path.indexOf('?');
  return {
    method: signed.method,
    path: q === -1 ? signed.path : signed.path.slice(0, q),
    rawQuery: q === -1 ? '' : signed.path.slice(q + 1),
    headers: signed.headers,
    body: Buffer.from(signed.body, 'utf8'),
  };
}

/** One API process: a nonce registry on `store` and a clock of its own. */
export class ApiProcess {
  readonly nonces: StoredNonceRegistry;
  clock: Date;

  constructor(store: Store, clock: Date) {
    this.nonces = new StoredNonceRegistry(store.signatureNonces);
    this.clock = clock;
  }

  /** Authenticates `raw` at this process's clock: `'ok'` or the error code. */
  async send(raw: RawRequest): Promise<string> {
    try {
      await authenticate({ ...decodeRequest(raw), raw }, {
        findAccessKey: async (id) => (id === CREDS.accessKeyId ? { secret: CREDS.accessKeySecret, accountId: ACCOUNT, status: 'Active' } : undefined),
        nonces: this.nonces,
        now: () => new Date(this.clock),
      });
      return 'ok';
    } catch (err) {
      return String((err as { code?: unknown }).code ?? err);
    }
  }

  /** Waits for a prune this process started (as the server does before closing its store). */
  close(): Promise<void> {
    return this.nonces.close();
  }
}
