import { createAccount } from '../src/auth/accounts.js';
import { loadConfig } from '../src/config/config.js';
import { createStore } from '../src/store/create-store.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuSeconds, processTree, type Child } from './processes.js';
import { createSigner, type Credentials, type Params } from './signed-request.js';

/*
 * What the scale bench's API rows share: accounts made straight in the store before Kiln starts
 * (a team's many accounts, each with its own AccessKey), a request source that sends each
 * request as the next account in turn, and one measured run whose server CPU is read over the
 * whole process tree (a node:cluster primary and its children).
 */

export interface StoreLocation {
  dataDir: string;
  databaseUrl?: string;
}

/** Makes `count` accounts (names `bench-<i>`, fixed keys) in the store at `at`; returns their keys. */
export async function seedAccounts(at: StoreLocation, count: number): Promise<Credentials[]> {
  const store = await createStore({ dataDir: at.dataDir, ...(at.databaseUrl ? { databaseUrl: at.databaseUrl } : {}) });
  try {
    const regionIds = loadConfig({}).regions.map((r) => r.regionId);
    const out: Credentials[] = [];
    for (let i = 0; i < count; i++) {
      const key = { id: `LTAIkilnBenchAcct${String(i).padStart(7, '0')}`, secret: `kilnBenchAccountSecret${String(i).padStart(8, '0')}` };
      await createAccount(store, regionIds, { name: `bench-${i}`, key });
      out.push({ accessKeyId: key.id, accessKeySecret: key.secret });
    }
    return out;
  } finally {
    await store.close();
  }
}

/** Freshly signed requests of `action`, each one by the next of `keys` in turn (one key: the same scope every time). */
export function rotatingRequests(port: number, keys: Credentials[], action: string, params: Params): () => Buffer {
  const templates = keys.map((k) => createSigner(k, `127.0.0.1:${port}`).template(action, params));
  let i = 0;
  return () => templates[i++ % templates.length]!.signRaw();
}

export interface Measured {
  result: LoadResult;
  /** CPU of the server's whole process tree per 2xx response, microseconds. */
  serverCpuUs: number;
  /** Each process's share of that CPU, largest first, in % (the first is often a cluster child; the primary is small). */
  cpuShares: number[];
}

/** CPU seconds of each process of the tree, by pid. */
function treeCpu(pid: number): Map<number, number> {
  return new Map(processTree(pid).map((p) => [p, cpuSeconds(p)] as const).filter(([, s]) => !Number.isNaN(s)));
}

/** Warmup, then one measured closed-loop run against `server`. */
export async function measureLoad(server: Child, next: () => Buffer, connections: number, warmupSec: number, durationSec: number): Promise<Measured> {
  if (warmupSec > 0) await runLoad({ port: server.port, connections, durationSec: warmupSec, next });
  const before = treeCpu(server.pid);
  const result = await runLoad({ port: server.port, connections, durationSec, next });
  const used = [...treeCpu(server.pid)].map(([pid, s]) => s - (before.get(pid) ?? 0));
  const s = used.reduce((a, b) => a + b, 0);
  const cpuShares = used.map((u) => (100 * u) / (s || 1)).sort((a, b) => b - a);
  return { result, serverCpuUs: (s * 1e6) / Math.max(1, result.ok), cpuShares };
}
