import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicUs, summarizeProfiles } from './profile.js';
import { serverErrors, startBare, startKiln, type Child } from './processes.js';
import { measureLoad, rotatingRequests, seedAccounts, type Measured, type StoreLocation } from './scale-accounts.js';
import { seedTemplates } from './seed.js';
import type { Credentials, Params } from './signed-request.js';

/*
 * Items 1 and 2 of the scale bench. CreateImagePipeline with 1, 2 and 4 API processes
 * (`kiln serve --api-processes N`) on SQLite and on PostgreSQL, next to the bare node:http
 * server with as many node:cluster processes; each Kiln is measured twice on the same server:
 * "distinct scopes" (every request by the next of `accounts` accounts, as a team's many
 * accounts load it: their scope counters are different rows) and "same scope" (all by one
 * account: every create bumps the one counter row of that account and region, so creates
 * serialize on it). Then DescribeImagePipelines' first page (50) with `seedCount` templates of
 * one account, at 32 connections, with each process count.
 */

export interface ScaleApiOptions {
  /** Which rows: Create (bare, SQLite, PostgreSQL) and/or Describe. */
  create: boolean;
  describe: boolean;
  counts: number[];
  connections: number;
  accounts: number;
  warmupSec: number;
  durationSec: number;
  seedCount: number;
  /** Where PostgreSQL databases come from (absent: no PostgreSQL rows). */
  freshDatabase?: (prefix: string) => Promise<string>;
  creds: Credentials;
  region: string;
  createParams: Params;
  profile: boolean;
  log: (msg: string) => void;
}

export interface ScaleApiRow {
  operation: 'CreateImagePipeline' | 'Describe first page (50)';
  server: 'bare node:http' | 'Kiln SQLite' | 'Kiln PostgreSQL';
  processes: number;
  scope: string;
  stored: string;
  connections: number;
  measured?: Measured;
  /** Why the row has no figures (the server did not start, …). */
  notRun?: string;
  /** Kiln's req/s over the bare server's at the same process count. */
  ratioToBare?: number;
  /** PostgreSQL's req/s over SQLite's for the same process count and scope. */
  ratioToSqlite?: number;
  target?: string;
  met?: boolean;
  /** The CPU profile summary of the server's processes during the row (--profile). */
  profile?: string;
  /** What the server logged at level error or worse while it ran (Kiln rows with failures). */
  faults?: string[];
}

const describeFirstPage = (region: string): Params => ({ RegionId: region, MaxResults: '50' });

export async function benchScaleApi(o: ScaleApiOptions): Promise<ScaleApiRow[]> {
  const rows: ScaleApiRow[] = [];
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const run = async (row: ScaleApiRow, server: Child, next: () => Buffer, profileDir?: string) => {
    o.log(`measuring ${row.operation} on ${row.server} × ${row.processes} (${row.scope}), ${row.connections} conns: ${o.warmupSec}s warmup + ${o.durationSec}s`);
    const fromUs = monotonicUs();
    row.measured = await measureLoad(server, next, row.connections, o.warmupSec, o.durationSec);
    if (profileDir) profileWindows.push({ row, dir: profileDir, window: { fromUs, toUs: monotonicUs() } });
    const r = row.measured.result;
    o.log(`  ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${row.measured.serverCpuUs.toFixed(0)} µs CPU/req${r.failed ? `, ${r.failed} FAILED: ${r.firstFailure ?? 'connection errors'}` : ''}`);
    rows.push(row);
  };
  const profileWindows: Array<{ row: ScaleApiRow; dir: string; window: { fromUs: number; toUs: number } }> = [];
  /** Stops a Kiln and keeps the faults it logged on its rows that had failures. */
  const stopKiln = async (server: Child, its: ScaleApiRow[]) => {
    await server.stop();
    const faults = serverErrors(server);
    if (faults.length === 0) return;
    o.log(`Kiln pid ${server.pid} logged ${faults.length} fault(s); first: ${faults[0]}`);
    for (const r of its) if (r.measured?.result.failed) r.faults = [...new Set(faults)].slice(0, 3);
  };
  const finish = () => {
    // Profiles are written when each process exits (all have been stopped by now).
    for (const p of profileWindows) p.row.profile = summarizeProfiles(p.dir, p.window);
    return rows;
  };
  const kiln = async (label: string, at: StoreLocation, processes: number): Promise<{ server?: Child; profileDir?: string; error?: string }> => {
    const profileDir = o.profile ? tempDir('kiln-scale-prof-') : undefined;
    try {
      const server = await startKiln({
        dataDir: at.dataDir, ...o.creds, ...(at.databaseUrl ? { databaseUrl: at.databaseUrl } : {}),
        apiProcesses: processes, nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      });
      o.log(`${label}: Kiln pid ${server.pid} (${processes} API process(es)) on 127.0.0.1:${server.port}`);
      return { server, ...(profileDir ? { profileDir } : {}) };
    } catch (err) {
      const error = (err as Error).message.split('\n').slice(0, 3).join(' / ');
      o.log(`${label}: Kiln with ${processes} API process(es) did not start: ${error}`);
      return { error };
    }
  };

  try {
    // ---------------------------------------------------------------- bare node:http, N processes
    const bareRps = new Map<number, number>();
    for (const n of o.create ? o.counts : []) {
      const bare = await startBare(n);
      try {
        const row: ScaleApiRow = { operation: 'CreateImagePipeline', server: 'bare node:http', processes: n, scope: '—', stored: '—', connections: o.connections };
        await run(row, bare, rotatingRequests(bare.port, [o.creds], 'CreateImagePipeline', o.createParams));
        bareRps.set(n, row.measured!.result.rps);
      } finally {
        await bare.stop();
      }
    }

    // ---------------------------------------------------------------- Create on Kiln, SQLite then PostgreSQL
    const backends: Array<{ server: ScaleApiRow['server']; at: () => Promise<StoreLocation> }> = [
      { server: 'Kiln SQLite', at: async () => ({ dataDir: tempDir('kiln-scale-sqlite-') }) },
    ];
    if (o.freshDatabase) {
      const fresh = o.freshDatabase;
      backends.push({ server: 'Kiln PostgreSQL', at: async () => ({ dataDir: tempDir('kiln-scale-pg-'), databaseUrl: await fresh('kiln_scale_create') }) });
    }
    const sqliteRps = new Map<string, number>();
    for (const b of o.create ? backends : []) {
      const at = await b.at();
      const keys = await seedAccounts(at, o.accounts);
      for (const n of o.counts) {
        const scopes = [
          { scope: `distinct: ${o.accounts} accounts in turn`, keys },
          { scope: 'same: 1 account', keys: [o.creds] },
        ];
        const started = await kiln(`${b.server} × ${n}`, at, n);
        for (const s of scopes) {
          const row: ScaleApiRow = { operation: 'CreateImagePipeline', server: b.server, processes: n, scope: s.scope, stored: 'from 0', connections: o.connections, target: 'req/s ≥ 0.3× bare' };
          if (!started.server) {
            rows.push({ ...row, notRun: started.error ?? 'did not start' });
            continue;
          }
          await run(row, started.server, rotatingRequests(started.server.port, s.keys, 'CreateImagePipeline', o.createParams), started.profileDir);
          const rps = row.measured!.result.rps;
          row.ratioToBare = rps / (bareRps.get(n) ?? NaN);
          row.met = row.measured!.result.failed === 0 && row.ratioToBare >= 0.3;
          if (b.server === 'Kiln SQLite') sqliteRps.set(`${n}/${s.scope}`, rps);
          else {
            // "PostgreSQL within 2× of SQLite": at least half of SQLite's rate at the same count and scope.
            row.ratioToSqlite = rps / (sqliteRps.get(`${n}/${s.scope}`) ?? NaN);
            row.target = 'req/s ≥ 0.3× bare and ≥ 0.5× SQLite';
            row.met = row.met && row.ratioToSqlite >= 0.5;
          }
        }
        if (started.server) await stopKiln(started.server, rows.slice(-scopes.length));
      }
    }

    // ---------------------------------------------------------------- Describe, many templates
    if (!o.describe) return finish();
    const seededDir = tempDir('kiln-scale-seeded-');
    o.log(`seeding ${o.seedCount} templates (SQLite)…`);
    const seeded = await seedTemplates({ dataDir: seededDir, creds: o.creds, regionId: o.region, params: o.createParams, count: o.seedCount });
    o.log(`  seeded in ${seeded.seconds.toFixed(1)} s`);
    for (const n of o.counts) {
      const row: ScaleApiRow = {
        operation: 'Describe first page (50)', server: 'Kiln SQLite', processes: n, scope: 'same: 1 account', stored: `${o.seedCount} seeded`,
        connections: o.connections, target: 'p99 ≤ 10 ms',
      };
      const started = await kiln(`Describe × ${n}`, { dataDir: seededDir }, n);
      if (!started.server) {
        rows.push({ ...row, notRun: started.error ?? 'did not start' });
        continue;
      }
      await run(row, started.server, rotatingRequests(started.server.port, [o.creds], 'DescribeImagePipelines', describeFirstPage(o.region)), started.profileDir);
      row.met = row.measured!.result.failed === 0 && row.measured!.result.p99 <= 10;
      await stopKiln(started.server, [row]);
    }
    return finish();
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
