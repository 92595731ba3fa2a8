import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { startKiln, type EcsClient, type TestKiln } from './kiln.js';

/*
 * One real Kiln per test file: started by a `before` hook, stopped by an `after` hook, reached
 * through a fixture object instead of module-level variables.
 */

/** What {@link kilnFixture} gives a test file; its getters are valid inside tests and hooks after the start. */
export interface KilnFixture {
  /** The running Kiln. */
  readonly kiln: TestKiln;
  /** The official SDK (V3 signing) with the root account's AccessKey. */
  readonly v3: EcsClient;
}

/**
 * Registers the hooks that start a Kiln (with `env`, see {@link startKiln}) before the file's
 * tests and stop it after them; call at module level. `onStart` runs in the same hook once the
 * Kiln is up (a file's own setup on it, such as an account).
 */
export function kilnFixture(env: Record<string, string> = {}, onStart?: (kiln: TestKiln) => Promise<void>): KilnFixture {
  let kiln: TestKiln | undefined;
  before(async () => {
    kiln = await startKiln(env);
    await onStart?.(kiln);
  });
  after(async () => {
    await kiln?.stop();
  });
  const running = (): TestKiln => {
    assert.ok(kiln, 'the Kiln is started by the before hook');
    return kiln;
  };
  return {
    get kiln() {
      return running();
    },
    get v3() {
      return running().clients.v3;
    },
  };
}

/** A new account's AccessKey on `kiln`, as the SDKs' credentials (each test file its own tenant). */
export async function newAccessKey(kiln: TestKiln): Promise<{ accessKeyId: string; accessKeySecret: string }> {
  const { accessKey } = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
  return { accessKeyId: accessKey.id, accessKeySecret: accessKey.secret };
}
