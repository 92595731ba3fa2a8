import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { StepFailure } from '../../src/engine/build/step-failure.js';
import type { Instance, StepResult, StepRun } from '../../src/engine/instance/instance.js';
import type { LayerStore } from '../../src/engine/layers/layer-store.js';
import { runRepair } from '../../src/engine/repair/run-repair.js';
import { repairSummary } from '../../src/domain/execution-messages/index.js';
import { ITEM_MARKER, parseResults, repairScript, selectItems } from '../../src/engine/repair/script.js';

/*
 * The REPAIRING machinery without an instance: which items run, the script's framework (one
 * result per item, an erroring item fails the script naming itself), the parsing and the
 * summary, and when the repairs become a layer. The real items run on busybox in
 * test/e2e/repair.test.ts.
 */

const sh = (script: string): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('repair items and script', () => {
  test('no RepairItem selects the six Linux items in order; a Windows item is NOT APPLICABLE', () => {
    assert.deepEqual(selectItems([]).map((i) => i.name), ['GUESTOS.CloudInit', 'GUESTOS.Dhcp', 'GUESTOS.Virtio', 'GUESTOS.OnlineResizeFS', 'GUESTOS.Grub', 'GUESTOS.Fstab']);
    assert.deepEqual(selectItems(['GUESTOS.Fstab', 'GUESTOS.Dhcp', 'GUESTOS.Fstab']).map((i) => i.name), ['GUESTOS.Fstab', 'GUESTOS.Dhcp']);
    const r = sh(repairScript(selectItems(['GUESTOS.Update'])));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseResults(r.stdout), [{ item: 'GUESTOS.Update', status: 'NOT APPLICABLE', detail: 'a Windows check item; this image is Linux' }]);
  });

  test('the script prints one result per item and a marker before each', () => {
    const r = sh(repairScript([{ name: 'GUESTOS.A', body: 'ok "fine"' }, { name: 'GUESTOS.B', body: 'not_repaired "why (really)"' }]));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseResults(r.stdout).map((x) => [x.item, x.status, x.detail]), [['GUESTOS.A', 'OK', 'fine'], ['GUESTOS.B', 'NOT REPAIRED', 'why (really)']]);
    assert.ok(r.stdout.startsWith(`${ITEM_MARKER}GUESTOS.A\n`));
  });

  test('a result is one line, whatever the text of the item holds', () => {
    const r = sh(repairScript([{ name: 'GUESTOS.A', body: 'ok "$(printf \'first\\nsecond\\r\')"' }]));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseResults(r.stdout), [{ item: 'GUESTOS.A', status: 'OK', detail: 'first second ' }]);
  });

  test('an item that errors (set -e), or reports nothing or twice, ends the script with exit 3 naming it', () => {
    for (const body of ['false\nok "never"', 'true', 'ok "a"; ok "b"']) {
      const r = sh(repairScript([{ name: 'GUESTOS.A', body: 'ok "fine"' }, { name: 'GUESTOS.Bad', body }, { name: 'GUESTOS.C', body: 'ok "not reached"' }]));
      assert.equal(r.code, 3, body);
      assert.match(r.stderr, /^GUESTOS\.Bad: the check ended/, body);
      assert.ok(!r.stdout.includes('not reached'), body);
    }
  });

  test('summary counts each status', () => {
    assert.equal(repairSummary(parseResults('GUESTOS.A: OK (x)\nGUESTOS.B: OK (y)\nGUESTOS.C: REPAIRED (z)\nGUESTOS.D: NOT APPLICABLE (w)\n')), 'Repair: 2 OK, 1 REPAIRED, 1 NOT APPLICABLE');
    assert.equal(repairSummary([]), 'Repair: no items');
  });
});

/** An instance that replays canned output instead of running the script. */
function fakeInstance(stdout: string, exitCode = 0): Instance & { commits: number; runs: StepRun[] } {
  const inst = {
    commits: 0,
    runs: [] as StepRun[],
    async run(step: StepRun): Promise<StepResult> {
      inst.runs.push(step);
      step.onOutput('stdout', Buffer.from(stdout));
      return { exitCode, oomKilled: false, diskFull: false, timedOut: false, cancelled: false, upperDir: '/nonexistent/upper' };
    },
    commitStep(): void { inst.commits++; },
    commitLayer(): void { throw new Error('not used by repairs'); },
    tmpDir: '/nonexistent/tmp',
    async restart(): Promise<void> {},
    async destroy(): Promise<void> {},
  };
  return inst;
}

const fakeLayers = (captured: string[]): LayerStore => ({
  capture: async (dir: string) => { captured.push(dir); return { digest: 'sha256:fake', size: 0, diffId: 'sha256:fake' }; },
}) as unknown as LayerStore;

const options = (instance: Instance, layers: LayerStore, items: string[], logged: string[]) => ({
  instance, layers, items, timeoutMs: 60_000, signal: new AbortController().signal, log: (_s: string, text: string) => { logged.push(text); },
});

describe('runRepair', () => {
  test('a REPAIRED item: the step is captured as a layer and committed; markers are not logged', async () => {
    const inst = fakeInstance(`${ITEM_MARKER}GUESTOS.Dhcp\nGUESTOS.Dhcp: REPAIRED (wrote it)\n`);
    const captured: string[] = [];
    const logged: string[] = [];
    const out = await runRepair(options(inst, fakeLayers(captured), ['GUESTOS.Dhcp'], logged));
    assert.deepEqual(out.results, [{ item: 'GUESTOS.Dhcp', status: 'REPAIRED', detail: 'wrote it' }]);
    assert.ok(out.layer);
    assert.deepEqual(captured, ['/nonexistent/upper']);
    assert.equal(inst.commits, 1);
    assert.equal(inst.runs[0]!.user, 'root');
    assert.deepEqual(logged, ['GUESTOS.Dhcp: REPAIRED (wrote it)\n']);
  });

  test('nothing repaired: no layer, the step is not committed', async () => {
    const inst = fakeInstance('GUESTOS.Fstab: OK (fine)\n');
    const captured: string[] = [];
    const out = await runRepair(options(inst, fakeLayers(captured), ['GUESTOS.Fstab'], []));
    assert.equal(out.layer, undefined);
    assert.deepEqual(captured, []);
    assert.equal(inst.commits, 0);
  });

  test('the script failing: RepairFailed naming the item it was in; a missing result too', async () => {
    const failing = fakeInstance(`${ITEM_MARKER}GUESTOS.CloudInit\nGUESTOS.CloudInit: OK (x)\n${ITEM_MARKER}GUESTOS.Virtio\n`, 3);
    await assert.rejects(runRepair(options(failing, fakeLayers([]), [], [])), (e: unknown) => e instanceof StepFailure && e.code === 'RepairFailed' && /GUESTOS\.Virtio/.test(e.info));
    const silent = fakeInstance('GUESTOS.Dhcp: OK (x)\n');
    await assert.rejects(runRepair(options(silent, fakeLayers([]), ['GUESTOS.Dhcp', 'GUESTOS.Grub'], [])), (e: unknown) => e instanceof StepFailure && e.code === 'RepairFailed' && /GUESTOS\.Grub: the check reported no result/.test(e.info));
  });
});
