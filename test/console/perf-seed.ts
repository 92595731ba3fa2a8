import type { Execution } from '../../src/domain/execution.js';
import { newExecutionId, newPipelineId } from '../../src/domain/ids.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import { minimalPipeline } from '../store/helpers.js';

/*
 * What the console's performance test loads: many templates and builds written straight to the
 * store (the API's quotas would stop at 100 templates, and the point is the pages, not the
 * inserts), and one build with a log of ~100 MB in chunks as the worker's log buffer writes them.
 */

/** Stored chunks are at most this long (the worker's MAX_CHUNK_LENGTH, 64 Ki characters). */
const CHUNK_CHARS = 64 * 1024;
/** Every log line is this long, newline included (~1 M lines in 100 MB). */
const LINE_CHARS = 100;
const TIME = '2026-12-05T15:00:00Z';

/** The one line of the big log a search looks for (about 90% of the way down). */
export const NEEDLE = 'kiln-perf-needle-7f3a';

/** Inserts `n` templates for the scope, and `executions` terminal builds of the first one, 1000 a transaction. */
export async function seedTemplates(store: Store, scope: Scope, n: number, executions: number): Promise<{ pipelineIds: string[] }> {
  const pipelineIds: string[] = [];
  for (let i = 0; i < n; i += 1000) {
    await store.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        const id = newPipelineId();
        pipelineIds.push(id);
        const minute = String(j % 60).padStart(2, '0');
        await tx.pipelines.insert(minimalPipeline(scope, {
          id, name: `perf-template-${String(j).padStart(5, '0')}`, baseImage: 'busybox_x64_20G_kiln_base.vhd',
          buildContent: `RUN echo template ${j}\nRUN touch /built-${j}\n`,
          tags: j % 10 === 0 ? [{ key: 'team', value: j % 20 === 0 ? 'web' : 'data' }] : [],
          creationTime: `2026-12-0${1 + (j % 4)}T1${j % 10}:${minute}:00Z`,
        }), []);
      }
    });
  }
  for (let i = 0; i < executions; i += 1000) {
    await store.transaction(async (tx) => {
      for (let j = i; j < Math.min(executions, i + 1000); j++) {
        await tx.executions.insert(execution(scope, pipelineIds[0]!, j % 7 === 0 ? 'FAILED' : 'SUCCESS'));
      }
    });
  }
  return { pipelineIds };
}

function execution(scope: Scope, pipelineId: string, status: 'SUCCESS' | 'FAILED'): Execution {
  return {
    id: newExecutionId(), pipelineId, accountId: scope.accountId, regionId: scope.regionId, status,
    message: status === 'FAILED' ? 'Failed during BUILDING: line 1: RUN exit 1 exited with code 1' : 'The image was built.',
    ...(status === 'FAILED' ? { errorCode: 'BuildCommandFailed', errorInfo: 'line 1: RUN exit 1: the command exited with code 1' } : {}),
    resourceGroupId: 'rg-default', tags: [], creationTime: TIME, modifiedTime: TIME,
  };
}

/**
 * A FAILED build of `pipelineId` whose log is `megabytes` MB of 100-character lines (stage and
 * step lines first, the needle at ~90%), appended in batches of 64 chunks. Returns its id and line count.
 */
export async function seedBigLog(store: Store, scope: Scope, pipelineId: string, megabytes: number): Promise<{ executionId: string; lines: number }> {
  const e = execution(scope, pipelineId, 'FAILED');
  await store.executions.insert(e);
  const head = `[PREPARING] Preparing the instance.\n[BUILDING] Running the build content.\n--> line 1: RUN ./generate-a-lot-of-output\n`;
  await store.executionLogs.append(e.id, [{ stream: 'system', text: head, time: TIME }]);
  const perChunk = Math.floor(CHUNK_CHARS / LINE_CHARS);
  const chunks = Math.ceil((megabytes * 1024 * 1024) / (perChunk * LINE_CHARS));
  const needleAt = Math.floor(chunks * 0.9);
  let line = 0;
  for (let c = 0; c < chunks; c += 64) {
    const batch = [];
    for (let k = c; k < Math.min(chunks, c + 64); k++) {
      let text = '';
      for (let l = 0; l < perChunk; l++, line++) {
        const words = k === needleAt && l === 0 ? `${NEEDLE} found here` : `output of the build, step one, line ${line}`;
        const prefix = `${String(line).padStart(8, '0')} ${words} `;
        text += `${prefix.padEnd(LINE_CHARS - 1, '.')}\n`;
      }
      batch.push({ stream: 'stdout' as const, text, time: TIME });
    }
    await store.executionLogs.append(e.id, batch);
  }
  await store.executionLogs.append(e.id, [{ stream: 'stderr', text: 'the command exited with code 1\n', time: TIME }]);
  return { executionId: e.id, lines: line + 4 };
}
