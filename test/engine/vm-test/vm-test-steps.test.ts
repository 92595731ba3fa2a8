import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vmTestSteps } from '../../../src/engine/phases/test-instance.js';
import type { PlanStep } from '../../../src/engine/plan/steps.js';

/*
 * What a VM test runs: every step as in a container, but RESTART (a reboot ends the test VM) and
 * fetches from the network (the VM reaches nothing outside it), which fail clearly when reached.
 */

test('RESTART, WebDownload and COPY from a URL fail with VmTestFailed when reached; other steps run as they are', () => {
  const kept: PlanStep[] = [
    { op: 'run', where: 'line 1', command: 'true' },
    { op: 'copy', where: 'line 2', source: '/etc/hostname', dest: '/tmp', sourceKind: 'path' },
    { op: 'ossDownload', where: 'line 3', bucket: 'b', object: 'o', destinationDir: '/tmp' },
    { op: 'ossUpload', where: 'line 4', bucket: 'b', object: 'o', file: '/etc/hostname' },
    { op: 'workdir', where: 'line 5', path: '/srv' },
  ];
  const refused: PlanStep[] = [
    { op: 'restart', where: 'line 6' },
    { op: 'download', where: 'line 7', url: 'https://example.com/x', destinationDir: '/tmp', timeoutSeconds: 10 },
    { op: 'copy', where: 'line 8', source: 'https://example.com/x', dest: '/tmp', sourceKind: 'url' },
  ];
  const planned = vmTestSteps([...kept, ...refused]);
  assert.deepEqual(planned.slice(0, kept.length), kept);
  const failing = planned.slice(kept.length);
  assert.deepEqual(failing.map((s) => [s.op, s.where, s.op === 'unsupported' ? s.code : '']), [
    ['unsupported', 'line 6', 'VmTestFailed'], ['unsupported', 'line 7', 'VmTestFailed'], ['unsupported', 'line 8', 'VmTestFailed'],
  ]);
  const messages = failing.map((s) => (s.op === 'unsupported' ? s.message : ''));
  assert.match(messages[0]!, /^RESTART cannot run in a VM test: a reboot ends the test VM/);
  assert.match(messages[1]!, /^WebDownload cannot run in a VM test: the test VM's network reaches nothing outside it/);
  assert.match(messages[2]!, /^COPY from a URL cannot run in a VM test/);
  assert.ok(messages.every((m) => m.includes('kiln:test-instance=container')));
});
