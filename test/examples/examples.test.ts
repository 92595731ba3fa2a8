import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { $Ecs } from '../support/ecs-requests.js';
import { assertNoLeftovers, isTerminal, logsOf, startExecution, waitForExecution } from '../support/builds.js';
import { loadExample, requestFrom, substitute } from './load-example.js';

/*
 * The templates in examples/, built for real: each file's CreateImageComponent (if any) and
 * CreateImagePipeline parameters go through the official SDK, the template is started and
 * must reach SUCCESS (its TestContent passing on a fresh instance) and leave nothing behind.
 */

const EXAMPLES_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'examples');
const EXAMPLES = ['web-server-debian', 'hardened-base', 'yaml-component'];
/** The first Debian build makes the base with mmdebstrap (minutes on a small machine): a generous limit, not a timing assertion. */
const BUILD_TIMEOUT_MS = 15 * 60_000;

describe('examples/', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1' });
  });
  after(async () => {
    await kiln?.stop();
  });

  for (const name of EXAMPLES) {
    test(`${name} builds to SUCCESS through the SDK`, { timeout: BUILD_TIMEOUT_MS + 60_000 }, async () => {
      const example = await loadExample(EXAMPLES_DIR, name);
      assert.match(example.readme, new RegExp(`^# ${name}\\n\\n\\S`), 'a README that says what it is');
      const client = kiln.clients.v3;

      const vars: Record<string, string> = {};
      if (example.component) {
        const res = await client.createImageComponent(requestFrom($Ecs.CreateImageComponentRequest, example.component, 'CreateImageComponent'));
        vars.ImageComponentId = res.body?.imageComponentId ?? '';
        assert.match(vars.ImageComponentId, /^ic-/);
      }
      const request = requestFrom($Ecs.CreateImagePipelineRequest, substitute(example.pipeline, vars), 'CreateImagePipeline');
      const created = await client.createImagePipeline(request);
      const pipelineId = created.body?.imagePipelineId ?? '';
      assert.match(pipelineId, /^ip-/);

      const executionId = await startExecution(client, pipelineId);
      const { item } = await waitForExecution(client, executionId, isTerminal, 'a terminal status', BUILD_TIMEOUT_MS);
      if (item.status !== 'SUCCESS') assert.fail(`${name}: ${JSON.stringify(item)}\n${(await logsOf(kiln.app.store, executionId)).slice(-4000)}`);
      assert.match(item.imageId ?? '', /^m-/);
      await assertNoLeftovers(kiln.config.dataDir, executionId);
    });
  }
});
