import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { consoleFixture, PHONE } from '../support/browser.js';
import { $Ecs, BUSYBOX, createPipeline } from '../support/ecs-requests.js';
import { REGION } from '../support/kiln.js';

/*
 * What a console user does, in a real browser against a Kiln with a build worker: create a
 * template (an error in its build content marked on its line, then fixed), start a build and
 * watch its stages and log live, read a failed build's error next to its line, share and
 * delete the image made. One Kiln and one browser for the file; the tests run in order.
 */

const fx = consoleFixture({ KILN_WORKERS: '1' });
const made = { templateId: '', executionId: '', imageId: '' };
/** Long enough for the browser to see the build running and its first output before it ends. */
const GOOD = 'RUN echo console-first-output\nRUN sleep 5 && echo console-after-sleep\n';
const BUILD_TIMEOUT = 120_000;

describe('console build flow (browser)', () => {
  test('create a template: an error in Build content is marked on its line, fixed, then created', async () => {
    const { page } = fx;
    await fx.signIn();
    await fx.screenshot('templates-list-empty');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/console\/templates\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('console-flow');
    await page.getByLabel('Base image', { exact: true }).fill(BUSYBOX);
    const content = page.getByLabel('Build content');
    await content.fill('RUN echo fine\nFROBNICATE the-build\nRUN echo also-fine\n');
    const marked = page.locator('[data-error-line="2"]');
    await marked.waitFor();
    assert.equal(await page.locator('[data-error-line]').count(), 1, 'only line 2 is marked');
    const message = page.locator('.ce-inline-msg').first();
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /\S/, 'the message is shown next to the line');
    await fx.screenshot('template-create-error');
    await fx.screenshot('template-create-error-phone', PHONE);

    await content.fill(GOOD);
    await page.getByText('No problems').first().waitFor();
    assert.equal(await page.locator('[data-error-line]').count(), 0);
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/console\/templates\/ip-[0-9a-z]+$/);
    made.templateId = new URL(page.url()).pathname.split('/').at(-1)!;
    await page.getByRole('heading', { name: 'console-flow' }).waitFor();
    await fx.screenshot('template-detail');
    await page.goto(fx.url('/templates'));
    await page.getByRole('link', { name: 'console-flow' }).waitFor();
    await fx.screenshot('templates-list');
    await fx.screenshot('templates-list-phone', PHONE);
  });

  test('start a build: the stages advance and the log streams live, to SUCCESS', async () => {
    const { page } = fx;
    assert.ok(made.templateId, 'the template of the previous test');
    await page.goto(fx.url(`/templates/${made.templateId}`));
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/console\/builds\/exec-[0-9a-f]{32}$/);
    made.executionId = new URL(page.url()).pathname.split('/').at(-1)!;
    // Records, in the page, every stage that was the current one and when the outcome appeared.
    await page.evaluate(() => {
      const w = window as unknown as { stagesSeen: string[] };
      w.stagesSeen = [];
      const note = () => {
        const current = document.querySelector('.stage-timeline [aria-current="step"] .stage-name')?.textContent ?? '';
        if (current && w.stagesSeen.at(-1) !== current) w.stagesSeen.push(current);
      };
      note();
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const log = page.getByRole('log', { name: 'Build log' });
    await log.getByText('console-first-output', { exact: true }).waitFor({ timeout: BUILD_TIMEOUT });
    // Live: the first step's output and the BUILDING stage are shown while the build is still
    // running (its second step sleeps).
    await page.locator('.stage-timeline [aria-current="step"] .stage-name', { hasText: 'BUILDING' }).waitFor();
    assert.equal(await page.locator('.stage-outcome .stage-name').textContent(), 'SUCCESS / FAILED', 'the build has not ended yet');
    await fx.screenshot('build-running');
    await page.locator('.stage-outcome .stage-name', { hasText: 'SUCCESS' }).waitFor({ timeout: BUILD_TIMEOUT });
    await log.getByText('console-after-sleep', { exact: true }).waitFor();
    const seen = await page.evaluate(() => (window as unknown as { stagesSeen: string[] }).stagesSeen);
    assert.ok(seen.includes('BUILDING'), `BUILDING was the current stage: ${seen.join(' → ')}`);
    const done = await page.locator('.stage-timeline .stage-done .stage-name').allInnerTexts();
    for (const stage of ['PREPARING', 'BUILDING', 'RELEASING']) assert.ok(done.includes(stage), `${stage} done: ${done.join(', ')}`);
    const open = page.getByRole('link', { name: /^Open image m-/ });
    made.imageId = ((await open.textContent()) ?? '').replace('Open image ', '').trim();
    await fx.screenshot('build-success');
    await fx.screenshot('build-success-phone', PHONE);
    await page.goto(fx.url(`/builds?template=${made.templateId}`));
    await page.getByRole('link', { name: made.executionId }).waitFor();
    await fx.screenshot('builds-list');
  });

  test('a failed build: its ErrorCode and ErrorInfo next to the failing line', async () => {
    const { page } = fx;
    const id = await createPipeline(fx.kiln.clients.v3, { name: 'console-fails', buildContent: 'RUN echo before-the-failure\nRUN exit 1\nRUN echo never\n' });
    await page.goto(fx.url(`/templates/${id}`));
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/console\/builds\/exec-/);
    await page.locator('.stage-outcome .stage-name', { hasText: 'FAILED' }).waitFor({ timeout: BUILD_TIMEOUT });
    const why = page.getByRole('region', { name: 'Why it failed' });
    const error = why.getByRole('alert');
    await error.getByText('BuildCommandFailed', { exact: true }).waitFor();
    assert.match((await error.textContent()) ?? '', /line 2/, 'ErrorInfo names the line');
    // The template's content on the page marks line 2 with the error beside it.
    await page.locator('[data-error-line="2"]').waitFor();
    assert.equal(await page.locator('[data-error-line]').count(), 1);
    assert.match((await page.locator('.ce-inline-msg').first().textContent()) ?? '', /BuildCommandFailed|exit|code 1/);
    // And the log has the failing step's line with the error after it.
    const log = page.getByRole('log', { name: 'Build log' });
    await page.getByRole('button', { name: 'Jump to failing step' }).click();
    await log.getByText('--> line 2: RUN exit 1').waitFor();
    // Counts with their nouns: two steps ran (line 3 never did), the ended log has lines.
    assert.match((await page.locator('#steps-title small').textContent()) ?? '', /^2 steps · \d+ from the cache$/);
    await page.locator('.log-size', { hasText: /^\d+ lines$/ }).waitFor();
    await fx.screenshot('build-failed');
  });

  test('the image made: listed, shared with another account, then deleted', async () => {
    const { page, kiln } = fx;
    assert.ok(made.imageId, 'the image of the successful build');
    const other = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
    await page.goto(fx.url('/images'));
    await page.getByRole('link', { name: made.imageId }).or(page.getByRole('link', { name: /^console-flow/ })).first().waitFor();
    await fx.screenshot('images-list');
    await fx.screenshot('images-list-phone', PHONE);
    await page.goto(fx.url(`/images/${made.imageId}`));
    await page.getByRole('heading', { name: 'Sharing' }).waitFor();
    await fx.screenshot('image-detail');

    await page.getByLabel('Account ID').fill(other.account.id);
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByRole('list', { name: 'Shared with' }).getByText(other.account.id).waitFor();
    const asOther = kiln.clientsFor(other.accessKey.id, other.accessKey.secret).v3;
    const seen = await asOther.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: made.imageId, imageOwnerAlias: 'others' }));
    assert.equal(seen.body?.images?.image?.[0]?.imageId, made.imageId, 'the other account sees the shared image');
    await fx.screenshot('image-shared');

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/console\/images$/);
    const left = await kiln.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: made.imageId }));
    assert.equal(left.body?.images?.image?.length ?? 0, 0, 'the image is gone');
    await fx.screenshot('images-after-delete');
    await page.goto(fx.url('/components'));
    await page.getByRole('heading', { level: 1 }).waitFor();
    await fx.screenshot('components-list');
    await page.goto(fx.url('/components/new'));
    await page.getByLabel('Content', { exact: true }).waitFor();
    await fx.screenshot('component-create');
  });
});
