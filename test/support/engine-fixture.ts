import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { ensureBusyboxBase, type BaseLayer } from '../../src/engine/base-images/busybox.js';
import type { Instance, InstanceSpec, StepResult, StepRun } from '../../src/engine/instance/instance.js';
import { RuncInstanceDriver } from '../../src/engine/instance/runc-driver.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';

/** A data dir with a blob store, a layer store, the busybox base and a runc driver. */
export interface EngineFixture {
  dataDir: string;
  blobs: LocalBlobStore;
  layers: LayerStore;
  base: BaseLayer;
  driver: RuncInstanceDriver;
  /** Every instance of this fixture is named `<prefix>…`. */
  prefix: string;
  /** A spec on the busybox base with small limits; override what a test needs. */
  spec(overrides?: Partial<InstanceSpec>): InstanceSpec;
  /** Removes everything (reaping leftovers of failed tests first). */
  close(): Promise<void>;
}

let counter = 0;

export async function engineFixture(tag: string): Promise<EngineFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), `kiln-${tag}-`));
  const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
  const layers = new LayerStore(dataDir, blobs);
  const base = await ensureBusyboxBase(layers);
  const driver = new RuncInstanceDriver({ dataDir });
  const prefix = `${tag}${process.pid}-`;
  return {
    dataDir,
    blobs,
    layers,
    base,
    driver,
    prefix,
    spec: (overrides = {}) => ({
      name: `${prefix}${++counter}`,
      hostname: `${tag}-host`,
      layers: [base.dir],
      cpus: 1,
      memoryMiB: 128,
      diskGiB: 1,
      diskMiB: 256,
      network: 'none',
      ...overrides,
    }),
    close: async () => {
      await driver.reap(prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Output of a step, collected. */
export interface RunOutput extends StepResult {
  stdout: string;
  stderr: string;
}

/** Runs `sh -c <script>` as root in / (unless overridden) and collects the output. */
export async function sh(instance: Instance, script: string, overrides: Partial<StepRun> = {}): Promise<RunOutput> {
  let stdout = '';
  let stderr = '';
  const result = await instance.run({
    argv: ['/bin/sh', '-c', script],
    env: [],
    cwd: '/',
    user: 'root',
    timeoutMs: 60_000,
    onOutput: (stream, chunk) => {
      if (stream === 'stdout') stdout += chunk.toString();
      else stderr += chunk.toString();
    },
    ...overrides,
  });
  return { ...result, stdout, stderr };
}
