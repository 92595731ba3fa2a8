import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consoleFixture } from '../support/browser.js';
import { describeComponents } from '../support/ecs-requests.js';

/*
 * What a console user does with components, in a real browser against a Kiln: create one (an
 * error in its Content marked on its line, then fixed), add a second version from its page, and
 * put it into a template's build content with the picker. One Kiln and one browser for the file.
 */

const fx = consoleFixture();
const NAME = 'console-component';

describe('console components (browser)', () => {
  test('create a component and a new version of it, then pick it into a template', async () => {
    const { page } = fx;
    await fx.signIn();
    await page.getByRole('link', { name: 'Components', exact: true }).click();
    await page.getByRole('button', { name: 'Create component' }).click();
    await page.waitForURL(/\/console\/components\/new$/);
    const content = page.getByLabel('Content', { exact: true });
    await content.fill('RUN echo fine\nFROBNICATE the-component\nRUN echo also-fine\n');
    await page.locator('[data-error-line="2"]').waitFor();
    assert.equal(await page.locator('[data-error-line]').count(), 1, 'only line 2 is marked');
    const message = page.locator('.ce-inline-msg').first();
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /FROBNICATE/, 'the message is shown next to the line');
    await fx.screenshot('component-error');

    await content.fill('RUN echo fine\nRUN echo also-fine\n');
    await page.getByText('No problems').waitFor();
    assert.equal(await page.locator('[data-error-line]').count(), 0);
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.getByLabel('Version', { exact: true }).fill('1.0.0');
    await page.getByRole('button', { name: 'Create component' }).click();
    await page.waitForURL(/\/console\/components\/(?!new)[^/]+$/);
    const firstId = new URL(page.url()).pathname.split('/').at(-1)!;
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();

    await page.getByRole('link', { name: 'Create a new version' }).click();
    await page.waitForURL(/\/console\/components\/new\?name=/);
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), NAME, 'the name is filled in');
    await page.getByLabel('Version', { exact: true }).fill('1.1.0');
    await page.getByLabel('Content', { exact: true }).fill('RUN echo version-two\n');
    await page.getByText('No problems').waitFor();
    await page.getByRole('button', { name: 'Create component' }).click();
    await page.waitForURL((u) => /\/console\/components\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new') && !u.pathname.endsWith(firstId));
    const secondId = new URL(page.url()).pathname.split('/').at(-1)!;
    const versions = page.locator('ul.versions li');
    await versions.nth(1).waitFor();
    const listed = (await versions.allInnerTexts()).join('\n');
    assert.match(listed, /1\.0\.0/, `1.0.0 is listed: ${listed}`);
    assert.match(listed, /1\.1\.0 \(this one\)/, `1.1.0 is listed as this one: ${listed}`);
    assert.equal(await versions.count(), 2);
    await page.getByRole('link', { name: '1.0.0' }).waitFor();
    await fx.screenshot('component-versions');

    // The same two versions through the official SDK.
    const body = await describeComponents(fx.kiln.clients.v3, { name: NAME });
    const sdk = (body.imageComponent?.imageComponentSet ?? []).map((c) => `${c.componentVersion} ${c.imageComponentId}`).sort();
    assert.deepEqual(sdk, [`1.0.0 ${firstId}`, `1.1.0 ${secondId}`]);

    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/console\/templates\/new$/);
    const picker = page.getByLabel('Build component');
    await picker.locator(`option[value="${secondId}"]`).waitFor({ state: 'attached' });
    await picker.selectOption(secondId);
    await page.getByRole('button', { name: 'Insert into build content' }).click();
    const build = page.getByLabel('Build content');
    assert.match(await build.inputValue(), new RegExp(`^COMPONENT ${secondId}$`, 'm'), 'the picker inserted its line');
    await page.getByText('No problems').waitFor();
    assert.equal(await page.locator('[data-error-line]').count(), 0);
    await fx.screenshot('template-with-component');
  });
});
