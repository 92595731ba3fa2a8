import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { build, logsOf } from '../../support/builds.js';
import { runCli, type CliResult } from '../../support/child.js';
import { DEBIAN_VM } from '../../support/ecs-requests.js';
import type { TestKiln } from '../../support/kiln.js';

const run = promisify(execFile);

/** A build on the Debian 12 VM base (seeded) that must succeed; its ImageId. */
export async function buildVmImage(kiln: TestKiln, name: string, buildContent: string[], network = false): Promise<string> {
  const { item, executionId } = await build(kiln.clients.v3, {
    name, baseImage: DEBIAN_VM, buildContent: buildContent.join('\n'), ...(network ? { internetMaxBandwidthOut: 10 } : {}),
  });
  assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\n${(await logsOf(kiln.app.store, executionId)).slice(-3000)}`);
  return item.imageId!;
}

/**
 * `kiln images boot <args>` on the test Kiln's data dir, with TMPDIR a folder of the test's own
 * (so what the command leaves in its temp dir is the test's to see, whatever else runs).
 */
export async function bootCli(kiln: TestKiln, tmp: string, args: string[]): Promise<CliResult> {
  await mkdir(tmp, { recursive: true });
  return runCli(['images', 'boot', ...args, '--region', 'cn-hangzhou'], {
    KILN_DATA_DIR: kiln.config.dataDir, ...(kiln.config.databaseUrl ? { KILN_DATABASE_URL: kiln.config.databaseUrl } : {}), TMPDIR: tmp,
  });
}

/** QEMU processes whose command line names `tmp` (the VMs of commands run with TMPDIR=tmp). */
export async function qemuProcessesUnder(tmp: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout.split('\n').filter((l) => l.includes('qemu-system') && l.includes(tmp));
}

/** No VM is left running and the command's temp dir is empty (overlay, OVMF vars, QMP socket, the exported disk: all gone). */
export async function assertNoVmLeftovers(tmp: string): Promise<void> {
  assert.deepEqual(await qemuProcessesUnder(tmp), [], 'no QEMU left running');
  // tsx keeps its compile cache in TMPDIR (tsx-<uid>): not the command's.
  assert.deepEqual((await readdir(tmp)).filter((n) => !n.startsWith('tsx-')), [], `nothing left in ${tmp}`);
}
