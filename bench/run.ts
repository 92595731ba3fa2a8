import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { callOnce, closeCallAgent, runLoad, type LoadResult } from './load.js';
import { cpuSeconds, serverErrors, startBare, startKiln, type Child } from './processes.js';
import { monotonicUs, summarizeProfiles, type Window } from './profile.js';
import { benchBuilds, formatBuildRows, perStepOverheadMs, type BuildRow } from './builds.js';
import { benchVsBuildah, VS_CASES, type VsReport } from './vs-buildah.js';
import { benchExport, type ExportReport } from './export.js';
import { formatExport } from './export-report.js';
import { formatVsBuildah } from './vs-buildah-report.js';
import { benchVm, type VmReport } from './vm.js';
import { formatVm } from './vm-report.js';
import { benchScale, type ScaleReport } from './scale.js';
import { formatScale } from './scale-report.js';
import { seedTemplates } from './seed.js';
import { createSigner, selfCheck, signingCostMicros, type Credentials, type Params, type RequestTemplate } from './signed-request.js';

/*
 * `npm run bench`: Kiln's ECS API against a bare node:http server, measured in one run on one
 * machine, every request V3-signed like the official SDK. Kiln, the bare server and the load
 * generator (this process) are three processes. Figures are printed, never asserted: the
 * machine is shared and noisy. The run exits non-zero only when the bench cannot run or when
 * requests fail (a non-2xx answer makes that row's figures meaningless, and is a Kiln bug).
 *
 *   npm run bench                       everything (PostgreSQL too when its binaries exist)
 *   npm run bench -- api                only the API part; `builds`: only build latency;
 *   npm run bench -- builds-vs-buildah  only Kiln vs buildah (with build latency, for the per-step
 *                                       figure); parts combine (`api builds`); default: all three
 *   npm run bench -- builds-vs-buildah busybox   one case of it (busybox | debian)
 *   npm run bench -- export             only Kiln's export (raw, qcow2) and push vs qemu-img convert and
 *                                       skopeo copy (bench/export.ts; BENCH_EXPORT_RUNS, default 3)
 *   npm run bench -- vm                 only Kiln's Debian VM image build + bootable raw export vs a scripted
 *                                       mmdebstrap peer, and its boot time (bench/vm.ts; BENCH_VM_RUNS, default 2;
 *                                       run only when named)
 *   npm run bench -- scale              only issue 11's rows: API processes × SQLite/PostgreSQL vs a bare server with as
 *                                       many processes, Describe with 100k templates, 4 workers draining 500 executions,
 *                                       a 500 MB layer on the local folder vs S3 (bench/scale.ts; run only when named)
 *   npm run bench -- --no-pg            skip PostgreSQL
 *   npm run bench -- --no-builds        skip the build parts and export (they need root and runc)
 *   npm run bench -- --no-export        skip the export part
 *   npm run bench -- --no-buildah       skip Kiln vs buildah (it installs buildah from Debian when missing)
 *   npm run bench -- --profile          also CPU-profile each Kiln process and print where time goes
 *   npm run bench -- --json out.json    also write the rows as JSON
 *   BENCH_DURATION=10 BENCH_WARMUP=3 BENCH_SEED=100000   (seconds, seconds, templates)
 */

const argv = process.argv.slice(2);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const SEED_COUNT = Number(process.env.BENCH_SEED ?? 100_000);
const DEEP_AFTER = Math.floor(SEED_COUNT * 0.9);
const PROFILE = argv.includes('--profile');
const WITH_PG = !argv.includes('--no-pg') && process.env.BENCH_PG !== '0';
const JSON_OUT = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
const CONNS = 32;
const PARTS = ['api', 'builds', 'builds-vs-buildah', 'export', 'vm', 'scale'] as const;
const CASE_IDS = VS_CASES.map((c) => c.id);
for (const [i, a] of argv.entries()) {
  if (a.startsWith('--') || argv[i - 1] === '--json') continue;
  if (!(PARTS as readonly string[]).includes(a) && !CASE_IDS.includes(a)) {
    console.error(`bench: unknown argument ${a} (parts: ${PARTS.join(', ')}; Kiln vs buildah cases: ${CASE_IDS.join(', ')})`);
    process.exit(2);
  }
}
const chosenParts = argv.filter((a) => (PARTS as readonly string[]).includes(a));
/** The scale bench (~10 min, several servers and workers) runs only when named, and alone. */
const RUN_SCALE = chosenParts.includes('scale');
if (RUN_SCALE && chosenParts.length > 1) {
  console.error('bench: `scale` runs alone');
  process.exit(2);
}
const NO_BUILDS = argv.includes('--no-builds');
const RUN_API = !RUN_SCALE && (chosenParts.length === 0 || chosenParts.includes('api'));
const RUN_VS = !RUN_SCALE && !NO_BUILDS && !argv.includes('--no-buildah') && (chosenParts.length === 0 || chosenParts.includes('builds-vs-buildah'));
/** Build latency also gives Kiln vs buildah its per-step overhead figure. */
const RUN_BUILDS = !RUN_SCALE && !NO_BUILDS && (chosenParts.length === 0 || chosenParts.includes('builds') || RUN_VS);
const RUN_EXPORT = !RUN_SCALE && !NO_BUILDS && !argv.includes('--no-export') && (chosenParts.length === 0 || chosenParts.includes('export'));
/** The VM bench (~10 min, boots VMs) runs only when named. */
const RUN_VM = !NO_BUILDS && chosenParts.includes('vm');
const VS_ONLY_CASES = argv.filter((a) => CASE_IDS.includes(a));

const REGION = 'cn-hangzhou';
const CREDS: Credentials = { accessKeyId: 'LTAIkilnBenchKey00000001', accessKeySecret: 'kilnBenchSecret000000000000001' };
/** What the Create runs send (and what every seeded template is made from). No COMPONENT lines: no component refs. */
const CREATE_PARAMS: Params = {
  RegionId: REGION,
  Name: 'bench-pipeline',
  Description: 'made by npm run bench',
  BaseImageType: 'IMAGE',
  BaseImage: 'busybox_x64_20G_kiln_base.vhd',
  BuildContent: 'RUN echo hello > /hello\nENV GREETING=hello\nWORKDIR /opt/app\nRUN ls -la /opt/app',
  SystemDiskSize: '40',
  DeleteInstanceOnFailure: 'true',
  'Tag.1.Key': 'env',
  'Tag.1.Value': 'bench',
};
const describeParams = (nextToken?: string, maxResults = 50): Params => ({
  RegionId: REGION,
  MaxResults: String(maxResults),
  ...(nextToken ? { NextToken: nextToken } : {}),
});

interface Row {
  operation: string;
  backend: string;
  stored: string;
  connections: number;
  result: LoadResult;
  /** Server CPU per 2xx response, microseconds (robust against a noisy neighbour). */
  serverCpuUs: number;
  /** Generator (this process) CPU per response, microseconds. */
  generatorCpuUs: number;
  /** When the measured run went on (to cut the server's CPU profile). */
  window: Window;
  /** Where the server's CPU profile was written (--profile, Kiln rows). */
  profileDir?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}

const rows: Row[] = [];
const children: Child[] = [];
const tempDirs: string[] = [];
const profileDirs: string[] = [];
const profileOf = new Map<Child, string>();
let pgStop: (() => Promise<void>) | undefined;

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

process.on('exit', () => {
  for (const d of [...tempDirs, ...profileDirs]) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

async function kiln(label: string, dataDir: string, databaseUrl?: string): Promise<Child> {
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'kiln-bench-prof-')) : undefined;
  if (profileDir) profileDirs.push(profileDir);
  const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = await startKiln({ dataDir, ...CREDS, ...(databaseUrl ? { databaseUrl } : {}), nodeFlags });
  children.push(child);
  if (profileDir) profileOf.set(child, profileDir);
  log(`${label}: Kiln pid ${child.pid} on 127.0.0.1:${child.port}`);
  return child;
}

async function stop(child: Child): Promise<void> {
  await child.stop();
  children.splice(children.indexOf(child), 1);
  const errors = serverErrors(child);
  if (errors.length > 0) log(`Kiln pid ${child.pid} logged ${errors.length} error(s); first: ${errors[0]}`);
}


/** Warmup, then one measured closed-loop run; server and generator CPU are read around it. */
async function measure(server: Child, next: () => Buffer, connections: number): Promise<Omit<Row, 'operation' | 'backend' | 'stored'>> {
  if (WARMUP > 0) await runLoad({ port: server.port, connections, durationSec: WARMUP, next });
  const s0 = cpuSeconds(server.pid);
  const g0 = process.cpuUsage();
  const fromUs = monotonicUs();
  const result = await runLoad({ port: server.port, connections, durationSec: DURATION, next });
  const window = { fromUs, toUs: monotonicUs() };
  const g = process.cpuUsage(g0);
  const s = cpuSeconds(server.pid) - s0;
  const n = Math.max(1, result.ok);
  if (result.failed > 0) log(`  ${result.failed} requests failed; first: ${result.firstFailure ?? '(connection error or timeout)'}`);
  return { connections, result, serverCpuUs: (s * 1e6) / n, generatorCpuUs: ((g.user + g.system) / n), window, ...(profileOf.has(server) ? { profileDir: profileOf.get(server)! } : {}) };
}

async function record(operation: string, backend: string, stored: string, server: Child, t: RequestTemplate | (() => Buffer), connections: number, extra: Partial<Row> = {}): Promise<Row> {
  log(`measuring ${operation} on ${backend} (${stored}), ${connections} connection(s): ${WARMUP}s warmup + ${DURATION}s`);
  const next = typeof t === 'function' ? t : t.signRaw;
  const row: Row = { operation, backend, stored, ...(await measure(server, next, connections)), ...extra };
  rows.push(row);
  log(`  ${fmt(row.result.rps, 0)} req/s, p50 ${fmt(row.result.p50, 2)} ms, p99 ${fmt(row.result.p99, 2)} ms`);
  return row;
}

function template(port: number, action: string, params: Params): RequestTemplate {
  return createSigner(CREDS, `127.0.0.1:${port}`).template(action, params);
}

async function describe(port: number, params: Params): Promise<{ TotalCount: number; NextToken: string; ImagePipeline: { ImagePipelineSet: Array<Record<string, unknown>> } }> {
  const res = await callOnce(port, template(port, 'DescribeImagePipelines', params).sign());
  if (res.status !== 200) throw new Error(`DescribeImagePipelines answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Awaited<ReturnType<typeof describe>>;
}

/** A template as the API presents it, minus what differs between any two templates. */
function shapeOf(item: Record<string, unknown>): string {
  const { ImagePipelineId: _i, CreationTime: _c, ...rest } = item;
  return JSON.stringify(rest);
}

function fmt(n: number | undefined, digits: number): string {
  return n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits);
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let signUs: number | undefined;
  if (RUN_API) signUs = await apiPart();

  closeCallAgent();
  // Build latency and Kiln vs buildah need root and runc (the engine); skipped with --no-builds.
  let buildRows: BuildRow[] | undefined;
  if (RUN_BUILDS) {
    log('build latency (empty template vs 20 × RUN true, busybox)…');
    buildRows = await benchBuilds(Number(process.env.BENCH_BUILD_RUNS ?? 3));
  }
  let vs: VsReport | undefined;
  if (RUN_VS) {
    log(`Kiln vs buildah (${VS_ONLY_CASES.length > 0 ? VS_ONLY_CASES.join(', ') : CASE_IDS.join(', ')})…`);
    vs = await benchVsBuildah(VS_ONLY_CASES);
  }
  let exported: ExportReport | undefined;
  if (RUN_EXPORT) {
    log('export and push vs qemu-img convert and skopeo copy…');
    exported = await benchExport();
  }
  let vm: VmReport | undefined;
  if (RUN_VM) {
    log('VM image build + bootable raw export vs a scripted mmdebstrap peer…');
    vm = await benchVm();
  }
  let scale: ScaleReport | undefined;
  if (RUN_SCALE) scale = await benchScale({ creds: CREDS, region: REGION, createParams: CREATE_PARAMS, profile: PROFILE, withPg: WITH_PG, log });
  if (signUs !== undefined) printTable(signUs, Math.round((Date.now() - started) / 1000));
  else console.log(`\nKiln bench — ${new Date().toISOString()} — ${cpus().length} CPUs, node ${process.version}, load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}. Whole run: ${Math.round((Date.now() - started) / 1000)} s.\n`);
  if (buildRows) console.log(`${formatBuildRows(buildRows)}\n`);
  if (vs) console.log(`${formatVsBuildah(vs, buildRows ? perStepOverheadMs(buildRows) : undefined)}\n`);
  if (exported) console.log(`${formatExport(exported)}\n`);
  if (vm) console.log(`${formatVm(vm)}\n`);
  if (scale) console.log(`${formatScale(scale)}\n`);
  if (PROFILE) {
    // Profiles are written when each Kiln exits (all have been stopped by now).
    for (const r of rows) {
      if (!r.profileDir) continue;
      console.log(`CPU profile of Kiln during "${r.operation}" (${r.backend}, ${r.stored}, ${r.connections} conn):\n${summarizeProfiles(r.profileDir, r.window)}\n`);
    }
  }
  if (JSON_OUT) {
    const doc = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, signUs, rows, ...(buildRows ? { builds: buildRows } : {}), ...(vs ? { buildsVsBuildah: vs } : {}), ...(exported ? { export: exported } : {}), ...(vm ? { vm } : {}), ...(scale ? { scale } : {}) };
    writeFileSync(JSON_OUT, `${JSON.stringify(doc, null, 2)}\n`);
  }
  const failed = [...rows, ...(scale?.api ?? []).filter((r) => r.measured).map((r) => ({ operation: `${r.operation} × ${r.processes} (${r.scope})`, backend: r.server, result: r.measured!.result }))].filter((r) => r.result.failed > 0);
  if (failed.length > 0) {
    for (const r of failed) log(`${r.result.failed} requests failed in "${r.operation}" on ${r.backend}: ${r.result.firstFailure ?? 'connection errors or timeouts'}`);
    log('requests failed: those rows are not valid figures, and Kiln answered errors under load (see its logged faults above)');
    process.exitCode = 1;
  }
}

/** Kiln's ECS API against the bare server (Create, Describe, 100k templates, PostgreSQL); returns the signing cost. */
async function apiPart(): Promise<number> {
  // ---------------------------------------------------------------- generator
  const bare = await startBare();
  children.push(bare);
  selfCheck(CREDS, `127.0.0.1:${bare.port}`, 'CreateImagePipeline', CREATE_PARAMS);
  const signUs = signingCostMicros(template(bare.port, 'CreateImagePipeline', CREATE_PARAMS));
  log(`signing: ${signUs.toFixed(1)} µs per request (checked against src/api/rpc/signature-v3.ts)`);
  const replay = template(bare.port, 'CreateImagePipeline', CREATE_PARAMS).signRaw();
  await record('generator ceiling (one signed request replayed, no signing)', 'bare node:http', '—', bare, () => replay, CONNS);

  // ---------------------------------------------------------------- Create / Describe, SQLite, side by side with bare
  const kilnA = await kiln('sqlite', tempDir('kiln-bench-sqlite-'));
  const bareCreate = await record('CreateImagePipeline', 'bare node:http', '—', bare, template(bare.port, 'CreateImagePipeline', CREATE_PARAMS), CONNS);
  const kilnCreate = await record('CreateImagePipeline', 'Kiln SQLite', 'from 0', kilnA, template(kilnA.port, 'CreateImagePipeline', CREATE_PARAMS), CONNS);
  kilnCreate.ratio = kilnCreate.result.rps / bareCreate.result.rps;
  kilnCreate.target = 'req/s ≥ 0.3× bare';
  kilnCreate.met = kilnCreate.ratio >= 0.3;
  const firstA = await describe(kilnA.port, describeParams(undefined, 1));
  const storedA = firstA.TotalCount;
  kilnCreate.stored = `0 → ${storedA}`;
  const bareDescribe = await record('DescribeImagePipelines MaxResults=50', 'bare node:http', '—', bare, template(bare.port, 'DescribeImagePipelines', describeParams()), CONNS);
  const kilnDescribe = await record('DescribeImagePipelines MaxResults=50', 'Kiln SQLite', String(storedA), kilnA, template(kilnA.port, 'DescribeImagePipelines', describeParams()), CONNS);
  kilnDescribe.ratio = kilnDescribe.result.rps / bareDescribe.result.rps;
  await stop(kilnA);
  await stop(bare);

  // ---------------------------------------------------------------- Describe with many templates
  const dirB = tempDir('kiln-bench-seeded-');
  log(`seeding ${SEED_COUNT} templates through the store API…`);
  const seeded = await seedTemplates({ dataDir: dirB, creds: CREDS, regionId: REGION, params: CREATE_PARAMS, count: SEED_COUNT });
  log(`  seeded in ${seeded.seconds.toFixed(1)} s (${fmt(SEED_COUNT / seeded.seconds, 0)} templates/s)`);
  const kilnB = await kiln('sqlite-seeded', dirB);
  const firstB = await describe(kilnB.port, describeParams(undefined, 1));
  const httpItem = firstA.ImagePipeline.ImagePipelineSet[0];
  const seededItem = firstB.ImagePipeline.ImagePipelineSet[0];
  if (firstB.TotalCount !== SEED_COUNT) throw new Error(`Kiln sees ${firstB.TotalCount} templates, ${SEED_COUNT} were seeded`);
  if (httpItem && seededItem) {
    // vSwitch and resource group ids differ between the two data dirs; the rest must not.
    const norm = (i: Record<string, unknown>) => shapeOf({ ...i, VSwitchId: 'vsw', ResourceGroupId: 'rg' });
    if (norm(httpItem) === norm(seededItem)) log('  seeded templates have the shape CreateImagePipeline stores: yes');
    else log(`  WARNING: seeded template differs from an HTTP-created one:\n    http:   ${norm(httpItem)}\n    seeded: ${norm(seededItem)}`);
  }
  const walkStart = process.hrtime.bigint();
  let token = '';
  let walked = 0;
  while (walked < DEEP_AFTER) {
    const step = Math.min(500, DEEP_AFTER - walked);
    const page = await describe(kilnB.port, describeParams(token || undefined, step));
    token = page.NextToken;
    walked += page.ImagePipeline.ImagePipelineSet.length;
    if (!token) throw new Error(`the walk ended after ${walked} templates`);
  }
  const walkSeconds = Number(process.hrtime.bigint() - walkStart) / 1e9;
  log(`  walked ${walked} templates (pages of ≤500) in ${walkSeconds.toFixed(1)} s to get a deep NextToken`);

  const stored = `${SEED_COUNT} seeded`;
  const pageTarget = (row: Row) => {
    row.target = 'p99 ≤ 10 ms';
    row.met = row.result.p99 <= 10;
  };
  const firstT = template(kilnB.port, 'DescribeImagePipelines', describeParams());
  const deepT = template(kilnB.port, 'DescribeImagePipelines', describeParams(token));
  pageTarget(await record('Describe first page (50)', 'Kiln SQLite', stored, kilnB, firstT, CONNS));
  pageTarget(await record(`Describe deep page (50 after ${walked})`, 'Kiln SQLite', stored, kilnB, deepT, CONNS));
  pageTarget(await record('Describe first page (50)', 'Kiln SQLite', stored, kilnB, firstT, 1));
  pageTarget(await record(`Describe deep page (50 after ${walked})`, 'Kiln SQLite', stored, kilnB, deepT, 1));
  await stop(kilnB);

  // ---------------------------------------------------------------- PostgreSQL (optional)
  if (WITH_PG) {
    try {
      const script = new URL('../scripts/pg-cluster.mjs', import.meta.url).href;
      const { startPostgres } = (await import(script)) as { startPostgres(): Promise<{ url: string; stop(): Promise<void> }> };
      const pg = await startPostgres();
      pgStop = pg.stop;
      const kilnC = await kiln('postgres', tempDir('kiln-bench-pg-'), pg.url);
      const c = await record('CreateImagePipeline', 'Kiln PostgreSQL', 'from 0', kilnC, template(kilnC.port, 'CreateImagePipeline', CREATE_PARAMS), CONNS);
      c.ratio = c.result.rps / bareCreate.result.rps;
      c.target = 'req/s ≥ 0.3× bare';
      c.met = c.ratio >= 0.3;
      const storedC = (await describe(kilnC.port, describeParams(undefined, 1))).TotalCount;
      c.stored = `0 → ${storedC}`;
      const d = await record('DescribeImagePipelines MaxResults=50', 'Kiln PostgreSQL', String(storedC), kilnC, template(kilnC.port, 'DescribeImagePipelines', describeParams()), CONNS);
      d.ratio = d.result.rps / bareDescribe.result.rps;
      await stop(kilnC);
    } catch (e) {
      log(`PostgreSQL part skipped: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return signUs;
}

function printTable(signUs: number, seconds: number): void {
  const header = ['operation', 'backend', 'templates', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'srv CPU µs/req', 'gen CPU µs/req', 'failed', 'ratio to bare', 'target', 'met?'];
  const body = rows.map((r) => [
    r.operation, r.backend, r.stored, String(r.connections), fmt(r.result.rps, 0), fmt(r.result.p50, 2), fmt(r.result.p99, 2),
    fmt(r.serverCpuUs, 0), fmt(r.generatorCpuUs, 0), String(r.result.failed),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(3)}×`, r.target ?? '', r.result.failed > 0 ? 'INVALID' : r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log('');
  console.log(`Kiln bench — ${new Date().toISOString()} — ${cpus().length} CPUs, node ${process.version}, ${DURATION}s per measurement after ${WARMUP}s warmup, load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`Every request V3-signed (ACS3-HMAC-SHA256, fresh nonce and x-acs-date); signing costs ${signUs.toFixed(1)} µs/request in the generator. Whole run: ${seconds} s.`);
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('');
}

async function cleanup(): Promise<void> {
  for (const c of [...children]) await c.stop().catch(() => {});
  if (pgStop) await pgStop().catch(() => {});
  for (const d of [...tempDirs, ...profileDirs]) rmSync(d, { recursive: true, force: true });
}

main()
  .catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
