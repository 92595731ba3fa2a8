import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runPhases, type Phase, type PhaseExit } from '../../src/engine/phases/run-phases.js';

/* runPhases: phases in order until one throws, then the cleanup of every phase that ran, in reverse. */

function recorder(): { trace: string[]; phase(name: string, o?: { fail?: boolean; cleanupFails?: boolean }): Phase<string[]> } {
  const trace: string[] = [];
  return {
    trace,
    phase: (name, o = {}) => ({
      name,
      async run(state) {
        state.push(`run ${name}`);
        if (o.fail) throw new Error(`${name} failed`);
      },
      async cleanup(state, exit: PhaseExit) {
        state.push(`cleanup ${name} (${exit.ok ? 'ok' : `failed in ${exit.failedIn}`})`);
        if (o.cleanupFails) throw new Error(`${name}'s cleanup failed`);
      },
    }),
  };
}

describe('runPhases', () => {
  test('every phase runs in order, then every cleanup in reverse', async () => {
    const r = recorder();
    const exit = await runPhases([r.phase('a'), r.phase('b'), r.phase('c')], r.trace);
    assert.deepEqual(exit, { ok: true });
    assert.deepEqual(r.trace, ['run a', 'run b', 'run c', 'cleanup c (ok)', 'cleanup b (ok)', 'cleanup a (ok)']);
  });

  test('a phase that throws stops the run; the phases that ran (it included) are cleaned up in reverse, the others neither run nor clean up', async () => {
    const r = recorder();
    const exit = await runPhases([r.phase('a'), r.phase('b', { fail: true }), r.phase('c')], r.trace);
    assert.equal(exit.ok, false);
    assert.ok(!exit.ok && exit.failedIn === 'b' && (exit.error as Error).message === 'b failed');
    assert.deepEqual(r.trace, ['run a', 'run b', 'cleanup b (failed in b)', 'cleanup a (failed in b)']);
  });

  test('a cleanup that throws does not stop the others; the run then throws naming it', async () => {
    const r = recorder();
    await assert.rejects(runPhases([r.phase('a'), r.phase('b', { cleanupFails: true }), r.phase('c')], r.trace), /cleanup of b failed: b's cleanup failed/);
    assert.deepEqual(r.trace, ['run a', 'run b', 'run c', 'cleanup c (ok)', 'cleanup b (ok)', 'cleanup a (ok)']);
  });

  test('several failed cleanups are reported together', async () => {
    const r = recorder();
    const err = await runPhases([r.phase('a', { cleanupFails: true }), r.phase('b', { cleanupFails: true, fail: true })], r.trace).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AggregateError);
    assert.deepEqual(err.errors.map((e: Error) => e.message), ["cleanup of b failed: b's cleanup failed", "cleanup of a failed: a's cleanup failed"]);
  });
});
