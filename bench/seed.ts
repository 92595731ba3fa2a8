import { readPipelineRequest } from '../src/api/operations/create-image-pipeline.js';
import { resolveInstanceType } from '../src/app/placement.js';
import { createAccount } from '../src/auth/accounts.js';
import { loadConfig } from '../src/config/config.js';
import { newPipelineId } from '../src/domain/ids.js';
import { checkPipelineRequest, newPipeline } from '../src/domain/pipeline-rules.js';
import { ecsTime } from '../src/domain/time.js';
import { createStore } from '../src/store/create-store.js';
import type { Credentials, Params } from './signed-request.js';

/*
 * Seeds many templates straight into a data dir through the store API, before Kiln is started
 * on it: the default account (with the bench's fixed AccessKey, as Kiln's first start would
 * make it), then the templates in big transactions (one fsync per batch instead of one per
 * template). Each template is what CreateImagePipeline stores for the same parameters: the
 * operation's own wire reader and the domain's checks build it, the account's default vSwitch
 * and resource group complete it, exactly as src/app/pipelines.ts `createPipeline` does.
 */

export interface SeedOptions {
  dataDir: string;
  databaseUrl?: string;
  creds: Credentials;
  regionId: string;
  /** CreateImagePipeline parameters every template is made from. */
  params: Params;
  count: number;
  batch?: number;
}

export interface SeedResult {
  accountId: string;
  seconds: number;
}

export async function seedTemplates(o: SeedOptions): Promise<SeedResult> {
  const started = process.hrtime.bigint();
  const store = await createStore({ dataDir: o.dataDir, ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}) });
  try {
    const regionIds = loadConfig({}).regions.map((r) => r.regionId);
    const { account } = await createAccount(store, regionIds, { name: 'default', key: { id: o.creds.accessKeyId, secret: o.creds.accessKeySecret } });
    const scope = { accountId: account.id, regionId: o.regionId };

    const checked = checkPipelineRequest(readPipelineRequest(o.params), (r) => regionIds.includes(r));
    const instanceType = resolveInstanceType(checked.instanceType);
    const vSwitch = await store.vSwitches.getDefault(scope);
    const group = await store.resourceGroups.getDefault(account.id);
    if (!vSwitch || !group) throw new Error('the seeded account has no default vSwitch or resource group');

    const batch = o.batch ?? 10_000;
    for (let done = 0; done < o.count; done += batch) {
      const n = Math.min(batch, o.count - done);
      await store.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          // Nested lists are shared between the templates: insert only reads them.
          const pipeline = newPipeline(checked, scope, { instanceType, vSwitchId: vSwitch.id, resourceGroupId: group.id }, newPipelineId(), ecsTime());
          await tx.pipelines.insert(pipeline, []);
        }
      });
    }
    return { accountId: account.id, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    await store.close();
  }
}
