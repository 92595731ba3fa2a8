import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createComponent, createPipeline, DEBIAN_VM, expectCode, type PipelineFields } from '../support/ecs-requests.js';
import { ossKilnFixture } from '../support/oss-kiln-fixture.js';
import { startKiln } from '../support/kiln.js';
import { seedDebianVm } from '../support/vm-base.js';
import { $Ecs, assertNoLeftovers, describeImages, isTerminal, logsContaining, REGION, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import type { EcsClient } from '../support/kiln.js';
import { assertVmGone, waitForVm } from './support/test-vms.js';

/*
 * TESTING in a VM: TestContent of an image with a kernel (the Debian 12 VM base) runs inside the
 * image booted in QEMU (TCG here), through Kiln's test agent on a virtio-serial port. Each boot
 * costs ~30-60 s, so each test below that boots proves several things at once. After every
 * outcome — success, TEST_FAILED, a crashed VM, a stopped worker — no QEMU process, socket,
 * scratch disk or temp dir of the execution is left.
 */

/** A boot, an export and a build on the VM base, on a host shared with other work. */
const VM_BUILD_MS = 600_000;

const DATA = 'kiln-vm-data';
const oss = ossKilnFixture({
  buckets: [DATA],
  onStart: async ({ s3, kiln }) => {
    await seedDebianVm(kiln.config.dataDir);
    await s3.put(DATA, 'inputs/hello.txt', Buffer.from('hello from the bucket\n'));
  },
});

async function startVmBuild(client: EcsClient, fields: PipelineFields): Promise<{ executionId: string; name: string }> {
  const name = uniqueName('vmtest');
  const pipelineId = await createPipeline(client, { name, imageName: name, baseImage: DEBIAN_VM, systemDiskSize: 20, ...fields });
  return { executionId: await startExecution(client, pipelineId), name };
}

describe('TESTING in a VM booted from the image', () => {
  test('a passing test runs in the booted VM (systemd as PID 1, the virtio disk, QEMU detected), as the requested user, cwd and env, OSSDownload/OSSUpload through the agent; the image holds no agent', async () => {
    const v3 = oss.v3;
    const transfers = await createComponent(v3, {
      name: uniqueName('vm-oss'), componentType: 'Test',
      content: [
        'Tasks:',
        '  - Name: fetch',
        '    Action: OSSDownload',
        '    Properties:',
        `      bucketName: ${DATA}`,
        '      objectName: inputs/hello.txt',
        '      destinationDir: /opt/data',
        '  - Name: make',
        '    Action: RunShellCommand',
        '    Properties:',
        '      commandContent: \'mkdir -p /out && { cat /opt/data/hello.txt; cat /proc/1/comm; } > /out/report.txt\'',
        '  - Name: send',
        '    Action: OSSUpload',
        '    Properties:',
        `      bucketName: ${DATA}`,
        '      fileToUpload: /out/report.txt',
        '      objectName: outputs/report.txt',
      ].join('\n'),
    });
    const { executionId } = await startVmBuild(v3, {
      buildContent: 'RUN echo built-in-runc > /etc/kiln-built',
      testContent: [
        `COMPONENT ${transfers}`,
        'RUN test "$(cat /proc/1/comm)" = systemd && echo pid1-is-systemd',
        'RUN test -b /dev/vda && findmnt -n -o SOURCE / | grep -q "^/dev/vda" && echo root-on-vda',
        'RUN systemctl is-system-running --wait; systemctl is-active kiln-test-agent.service',
        'RUN case "$(systemd-detect-virt)" in qemu|kvm) echo virt-is-qemu;; *) exit 9;; esac',
        'RUN grep -qx built-in-runc /etc/kiln-built',
        'ENV GREETING="hello vm"',
        'WORKDIR /srv/kiln-test',
        'RUN test "$PWD" = /srv/kiln-test && test "$GREETING" = "hello vm" && echo env-and-cwd-ok',
        'USER nobody',
        'RUN test "$(id -un)" = nobody && echo ran-as-nobody >&2',
      ].join('\n'),
    });
    const vm = await waitForVm(executionId, VM_BUILD_MS);
    const { item } = await waitForExecution(v3, executionId, isTerminal, 'a terminal status', VM_BUILD_MS);
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const logs = await logsContaining(oss.kiln.app.store, executionId, 'ran-as-nobody');
    assert.match(logs, /Testing in a VM booted from the image \((TCG|KVM)\)/);
    assert.match(logs, /Testing on a VM booted from the image: the image has a kernel \(6\.1\.\d+-\d+-cloud-amd64\)/);
    for (const marker of ['pid1-is-systemd', 'root-on-vda', 'virt-is-qemu', 'env-and-cwd-ok']) assert.ok(logs.includes(marker), marker);
    assert.match(logs, /^(\[TESTING\] )?active$/m);
    assert.equal((await oss.s3.get(DATA, 'outputs/report.txt'))?.toString('utf8'), 'hello from the bucket\nsystemd\n', 'a file the VM made, from a file the bucket gave it');
    await assertVmGone(executionId, vm);
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);

    // The agent was on the test VM's disk only: a build on the new image finds none of it.
    const next = uniqueName('vmtest-after');
    const pipelineId = await createPipeline(v3, { name: next, imageName: next, baseImage: item.imageId!,
      buildContent: 'RUN test ! -e /usr/lib/kiln/kiln-test-agent && test ! -e /etc/systemd/system/kiln-test-agent.service && test ! -e /etc/systemd/system/multi-user.target.wants/kiln-test-agent.service' });
    const { item: rebuilt } = await waitForExecution(v3, await startExecution(v3, pipelineId), isTerminal, 'a terminal status', VM_BUILD_MS);
    assert.equal(rebuilt.status, 'SUCCESS', JSON.stringify(rebuilt));
  });

  test('a failing test line: TEST_FAILED naming it; a cancel while the VM test runs is refused (403) and changes nothing; nothing left', async () => {
    const v3 = oss.v3;
    const { executionId, name } = await startVmBuild(v3, {
      testContent: 'RUN test -b /dev/vda && echo vm-step-running && sleep 2\nRUN test "$(cat /proc/1/comm)" = runc || { echo not-a-container >&2; exit 5; }\nRUN echo never',
    });
    const vm = await waitForVm(executionId, VM_BUILD_MS);
    await logsContaining(oss.kiln.app.store, executionId, 'Testing in a VM booted from the image', VM_BUILD_MS);
    const cancel = () => v3.cancelImagePipelineExecution(new $Ecs.CancelImagePipelineExecutionRequest({ regionId: REGION, executionId }));
    await expectCode(cancel, 'InvalidStatus.ImagePipelineExecution', 403);

    const { item } = await waitForExecution(v3, executionId, isTerminal, 'a terminal status', VM_BUILD_MS);
    assert.equal(item.status, 'TEST_FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /^TestContent line 2: .*exited with code 5/);
    assert.equal((await describeImages(v3, { imageName: `${name}_${executionId}` }))[0]?.imageId, item.imageId);
    const logs = await logsContaining(oss.kiln.app.store, executionId, 'not-a-container');
    assert.ok(logs.includes('vm-step-running'));
    assert.ok(!logs.includes('--> TestContent line 3'), 'no step after the failing one');
    await assertVmGone(executionId, vm);
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });

  test('the VM crashing mid-step (QEMU killed): TEST_FAILED with VmTestFailed naming the step and quoting the console; nothing left', async () => {
    const v3 = oss.v3;
    const { executionId } = await startVmBuild(v3, { testContent: 'RUN echo vm-step-running; sleep 600' });
    const vm = await waitForVm(executionId, VM_BUILD_MS);
    await logsContaining(oss.kiln.app.store, executionId, 'vm-step-running', VM_BUILD_MS);
    process.kill(vm.pid, 'SIGKILL');

    const { item } = await waitForExecution(v3, executionId, isTerminal, 'a terminal status', VM_BUILD_MS);
    assert.equal(item.status, 'TEST_FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'VmTestFailed');
    assert.match(item.errorInfo ?? '', /^TestContent line 1: the test VM failed while the step ran: .*the VM was stopped\. Last console lines: /);
    await assertVmGone(executionId, vm);
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });
});

describe('a build stopped during a VM test', () => {
  test('a worker stopping mid-step aborts the build: the VM, its socket, scratch disk and temp dirs go before the worker stops', async () => {
    const own = await startKiln({ KILN_WORKERS: '1' });
    let stopped = false;
    try {
      await seedDebianVm(own.config.dataDir);
      const { executionId } = await startVmBuild(own.clients.v3, { testContent: 'RUN echo vm-step-running; sleep 600' });
      const vm = await waitForVm(executionId, VM_BUILD_MS);
      await logsContaining(own.app.store, executionId, 'vm-step-running', VM_BUILD_MS);
      await own.stop();
      stopped = true;
      await assertVmGone(executionId, vm);
    } finally {
      if (!stopped) await own.stop();
    }
  });
});
