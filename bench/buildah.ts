import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PATH } from '../src/engine/image-config.js';
import { removeTree, unmountAll } from './host-cleanup.js';

/*
 * buildah for the Kiln vs buildah bench (vs-buildah.ts): throwaway storages with their own
 * storage.conf, commands run in their own process groups (so cleanup can kill them and what
 * they started), the storage driver chosen, and Kiln's base layer laid out as an OCI image.
 * Every storage made here is removed by `cleanupBuildah`, on failure and on exit too.
 */

const buildahTops = new Set<string>();

/** The buildah commands running now (each the leader of its own process group), by pid. */
const runningBuildah = new Set<number>();

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILLs the process group of every buildah command still running and waits (≤ 10 s) until they are gone. */
export function killRunningBuildah(): void {
  for (const pid of runningBuildah) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  for (const pid of [...runningBuildah]) {
    while (groupAlive(pid) && Date.now() < deadline) sleepSync(50);
    runningBuildah.delete(pid);
  }
}

/** True while a process of group `pgid` is not yet dead (zombies count as dead: we may be the one not reaping them). */
function groupAlive(pgid: number): boolean {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

export function cleanupBuildah(top: string): void {
  if (!buildahTops.has(top)) return;
  killRunningBuildah();
  spawnSync('buildah', ['rm', '--all'], { env: buildahEnv(top), stdio: 'ignore', timeout: 60_000 });
  unmountAll(top);
  removeTree(top);
  buildahTops.delete(top);
}

/** Every buildah storage still there (see `cleanupBuildah`). */
export function buildahStorages(): string[] {
  return [...buildahTops];
}

export function buildahEnv(top: string): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_STORAGE_CONF: join(top, 'storage.conf'), TMPDIR: join(top, 'tmp'), BUILDAH_LAYERS: 'true' };
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command in its own process group (so cleanup can kill it and whatever it started), output captured. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) runningBuildah.add(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      if (pid !== undefined) runningBuildah.delete(pid);
      reject(err);
    });
    child.on('close', (code) => {
      if (pid !== undefined) runningBuildah.delete(pid);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

export async function buildah(top: string, args: string[]): Promise<RunResult> {
  const r = await run('buildah', args, buildahEnv(top));
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`buildah ${args.join(' ')} exited ${r.code}:\n${tail}`);
  }
  return r;
}

/** A throwaway buildah storage with `driver`. */
export function newBuildahStorage(prefix: string, driver: string): string {
  // lowercase only: buildah names an image pulled from `oci:<dir>` after the dir's path
  const top = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`);
  mkdirSync(top, { mode: 0o700 });
  buildahTops.add(top);
  for (const d of ['root', 'runroot', 'tmp', 'ctx']) mkdirSync(join(top, d), { recursive: true });
  writeFileSync(join(top, 'storage.conf'), `[storage]\ndriver = "${driver}"\ngraphroot = "${join(top, 'root')}"\nrunroot = "${join(top, 'runroot')}"\n`);
  writeFileSync(join(top, 'policy.json'), `${JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] })}\n`);
  return top;
}

/**
 * The storage driver: the kernel's overlay when buildah can use it here (it mounts a test overlay
 * on the storage's filesystem when it starts), else vfs; BENCH_BUILDAH_DRIVER forces one.
 */
export async function chooseDriver(): Promise<{ driver: string; reason: string }> {
  const forced = process.env.BENCH_BUILDAH_DRIVER;
  if (forced) return { driver: forced, reason: `forced by BENCH_BUILDAH_DRIVER=${forced}` };
  const top = newBuildahStorage('kiln-bench-buildah-probe-', 'overlay');
  try {
    const r = await run('buildah', ['info'], buildahEnv(top));
    if (r.code !== 0) return { driver: 'vfs', reason: `overlay refused by buildah here: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0]}` };
    const info = JSON.parse(r.stdout) as { store?: { GraphDriverName?: string; GraphRoot?: string; GraphStatus?: Record<string, string> } };
    const s = info.store;
    if (s?.GraphDriverName !== 'overlay') return { driver: 'vfs', reason: `buildah answered driver ${s?.GraphDriverName ?? '?'} for overlay` };
    if (s.GraphRoot !== join(top, 'root')) throw new Error(`buildah ignored CONTAINERS_STORAGE_CONF (graph root ${s.GraphRoot})`);
    const st = s.GraphStatus ?? {};
    return {
      driver: 'overlay',
      reason: `kernel overlayfs works here (backing filesystem ${st['Backing Filesystem'] ?? '?'}, native overlay diff ${st['Native Overlay Diff'] ?? '?'}, d_type ${st['Supports d_type'] ?? '?'}; no fuse-overlayfs), the same mechanism Kiln's instances use`,
    };
  } finally {
    cleanupBuildah(top);
  }
}

/** Kiln's base layer as a one-layer OCI image layout at `dir` (the blob hard-linked when it can be). */
export function writeOciLayout(dir: string, blobPath: string, diffId: string, caseId: string): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };
  const layerHex = diffId.replace(/^sha256:/, '');
  try {
    linkSync(blobPath, join(blobs, layerHex));
  } catch {
    copyFileSync(blobPath, join(blobs, layerHex));
  }
  const created = '2000-01-01T00:00:00Z';
  // buildah needs a history entry per non-empty layer of the base, or it cannot commit a step on it
  const config = put(JSON.stringify({
    created, architecture: 'amd64', os: 'linux',
    config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/root', User: 'root' },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: `Kiln system base image (${caseId})` }],
  }));
  const manifest = put(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: statSync(blobPath).size }],
  }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}
