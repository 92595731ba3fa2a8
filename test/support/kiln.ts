import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EcsModule from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import { loadConfig, type KilnConfig } from '../../src/config/config.js';
import { serve, type Running } from '../../src/main/serve.js';

/** The SDK is CommonJS with `exports.default = Client`; from ESM the class is `.default`. */
const Ecs = EcsModule.default;
export type EcsClient = InstanceType<typeof Ecs>;

export interface Clients {
  /** The official SDK, default V3 (ACS3-HMAC-SHA256) signing. */
  v3: EcsClient;
  /** The official SDK with `signatureAlgorithm: 'v2'` (V1 HMAC-SHA1 in the query). */
  v1: EcsClient;
  /** pop-core: `request(action, params, { method: 'POST' })` sends a form body; the default is GET. */
  pop: RPCClient;
}

export interface TestKiln extends Running {
  port: number;
  config: KilnConfig;
  clients: Clients;
  /** Clients signed with another AccessKey (another account). */
  clientsFor(accessKeyId: string, accessKeySecret: string): Clients;
  stop(): Promise<void>;
}

export const REGION = 'cn-hangzhou';

/**
 * Starts a real Kiln on a free loopback port with a fresh data dir (SQLite unless
 * `KILN_DATABASE_URL` is given) and returns official clients pointed at it. No build worker
 * runs unless `KILN_WORKERS` says so: API tests then see executions exactly as queued.
 */
export async function startKiln(env: Record<string, string> = {}): Promise<TestKiln> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-test-'));
  const config = loadConfig({ KILN_DATA_DIR: dataDir, KILN_PORT: '0', KILN_HOST: '127.0.0.1', KILN_WORKERS: '0', ...env });
  const running = await serve(config);
  const port = Number(new URL(running.endpoint).port);

  const clientsFor = (accessKeyId: string, accessKeySecret: string): Clients => {
    const base = { accessKeyId, accessKeySecret, regionId: REGION, endpoint: `127.0.0.1:${port}`, protocol: 'http' };
    const popBase = { accessKeyId, accessKeySecret, endpoint: running.endpoint, apiVersion: '2014-05-26' };
    return {
      v3: new Ecs(new $OpenApiUtil.Config(base)),
      v1: new Ecs(new $OpenApiUtil.Config({ ...base, signatureAlgorithm: 'v2' })),
      pop: new RPCClient(popBase),
    };
  };
  return {
    ...running,
    port,
    config,
    clients: clientsFor(running.credentials.accessKeyId, running.credentials.accessKeySecret),
    clientsFor,
    async stop() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What an SDK call threw: the error code, HTTP status and the parsed error body. */
export interface CaughtError {
  code: string;
  statusCode?: number;
  message: string;
  data: Record<string, unknown>;
}

/** Runs a call that must fail and returns what the client saw. */
export async function expectError(call: () => Promise<unknown>): Promise<CaughtError> {
  try {
    await call();
  } catch (err) {
    const e = err as { code?: string; statusCode?: number; message?: string; data?: Record<string, unknown> };
    return { code: e.code ?? '', statusCode: e.statusCode ?? (e.data?.statusCode as number | undefined), message: e.message ?? '', data: e.data ?? {} };
  }
  throw new Error('the call succeeded but an error was expected');
}
