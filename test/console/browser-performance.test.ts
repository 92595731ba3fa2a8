import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { consoleFixture, OUTPUT_DIR } from '../support/browser.js';
import { REGION } from '../support/kiln.js';
import { NEEDLE, seedBigLog, seedTemplates } from './perf-seed.js';

/*
 * The console's performance, measured in the browser and reported, not asserted (wall-clock
 * figures depend on the machine): list pages over 10,000 templates and 10,000 builds, and a
 * build page whose log is ~100 MB. The one assertion on the figures is the log view's
 * virtualization: its DOM stays small whatever the log's length (a count, not a time).
 * Figures: printed, and written to test-output/console/performance.json (BENCHMARKS.md, issue 12).
 */

const TEMPLATES = 10_000;
const BUILDS = 10_000;
const LOG_MB = 100;
/** Full page loads per list page; the median is reported. */
const LOADS = 5;

const seeded = { pipelineIds: [] as string[], executionId: '', lines: 0, seedMs: {} as Record<string, number> };
const fx = consoleFixture({}, async (kiln) => {
  const scope = { accountId: kiln.credentials.accountId, regionId: REGION };
  let t = performance.now();
  seeded.pipelineIds = (await seedTemplates(kiln.app.store, scope, TEMPLATES, BUILDS)).pipelineIds;
  seeded.seedMs.templatesAndBuilds = Math.round(performance.now() - t);
  t = performance.now();
  Object.assign(seeded, await seedBigLog(kiln.app.store, scope, seeded.pipelineIds[0]!, LOG_MB));
  seeded.seedMs.log = Math.round(performance.now() - t);
});

const figures: Record<string, unknown> = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Loads `path` afresh and returns ms from navigation start (the document's time origin) to the
 * first poll (every 10 ms) where `ready` (run in the page) returns a time, and the console API
 * calls' durations. `ready` returns `performance.now()` when the page is ready, false before.
 */
async function timeLoad<A>(page: Page, path: string, ready: (arg: A) => number | false, arg: A): Promise<{ ms: number; apiMs: number[] }> {
  await page.goto(fx.url(path), { waitUntil: 'commit' });
  const handle = await page.waitForFunction(ready as (arg: unknown) => number | false, arg, { polling: 10, timeout: 30_000 }).catch(async (err: Error) => {
    throw new Error(`${path} was not ready: ${err.message}\nthe page shows: ${((await page.locator('main').textContent()) ?? '').slice(0, 2000)}`);
  });
  const ms = (await handle.jsonValue()) as number;
  const apiMs = await page.evaluate(() =>
    performance.getEntriesByType('resource').filter((r) => /\/console\/api\/(call|executions\?)/.test(r.name)).map((r) => Math.round(r.duration)));
  return { ms: Math.round(ms), apiMs };
}

async function listFigures<A>(page: Page, path: string, ready: (arg: A) => number | false, arg: A): Promise<Record<string, unknown>> {
  const runs = [];
  for (let i = 0; i < LOADS; i++) runs.push(await timeLoad(page, path, ready, arg));
  const rows = await page.evaluate(() => document.querySelectorAll('main tbody tr').length);
  return { medianMs: median(runs.map((r) => r.ms)), runsMs: runs.map((r) => r.ms), apiCallsMs: runs.at(-1)!.apiMs, rowsShown: rows };
}

/** Rows of the page's table rendered. */
const rowsShown = (): number | false => (document.querySelectorAll('main tbody tr').length > 0 ? performance.now() : false);
/** The page's heading names `name` and its table (the template's builds) has rows. */
const detailShown = (name: string): number | false =>
  document.querySelector('main h1')?.textContent?.includes(name) && document.querySelector('main tbody tr') ? performance.now() : false;
/** A log line is rendered. */
const logLineShown = (): number | false => (document.querySelector('[role=log] .log-line') ? performance.now() : false);

describe('console performance (browser; measured, not asserted)', () => {
  test(`list pages with ${TEMPLATES} templates and ${BUILDS} builds (by template and across): navigation start → rows rendered`, async () => {
    const { page } = fx;
    await fx.signIn();
    figures.templatesList = await listFigures(page, '/templates', rowsShown, undefined);
    await fx.screenshot('perf-templates-10000');
    const id = seeded.pipelineIds[0]!;
    figures.templateDetail = await listFigures(page, `/templates/${id}`, detailShown, 'perf-template-00000');
    // The builds list of one template (its DescribeImagePipelineExecutions needs ImagePipelineId,
    // so this was the only builds list at first), then across templates (GET /console/api/executions,
    // newest first: the seeded builds all belong to the first template, plus the 100 MB log's),
    // unfiltered and with the "Failed" status group (its count scans the account's builds).
    figures.buildsList = await listFigures(page, `/builds?template=${id}`, rowsShown, undefined);
    figures.buildsAcrossTemplates = await listFigures(page, '/builds', rowsShown, undefined);
    await fx.screenshot('perf-builds-10000');
    figures.buildsAcrossTemplatesFailed = await listFigures(page, `/builds?status=${encodeURIComponent('FAILED,TEST_FAILED')}`, rowsShown, undefined);
  });

  test(`a build page with a ${LOG_MB} MB log: first lines, stream end, DOM size, scroll, search, heap`, async () => {
    const { page } = fx;
    const cdp = await fx.context.newCDPSession(page);
    const { lines } = seeded;
    const shownCount = lines.toLocaleString('en-US');
    // When the build's heading, its facts (the DescribeImagePipelineExecutions answer) and the
    // first log line enter the DOM, as a MutationObserver sees them (not delayed by a busy main
    // thread the way a polling timer is); and the page's long tasks (> 50 ms) until the stream ends.
    await page.addInitScript(() => {
      const w = window as unknown as { firstLogLineAt?: number; headingAt?: number; factsAt?: number; longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
      new MutationObserver((_m, obs) => {
        const now = performance.now();
        if (w.headingAt === undefined && document.querySelector('main h1')?.textContent?.startsWith('Build ')) w.headingAt = now;
        if (w.factsAt === undefined && document.querySelector('.build-page .facts')) w.factsAt = now;
        if (w.firstLogLineAt === undefined && document.querySelector('[role=log] .log-line')) w.firstLogLineAt = now;
        if (w.headingAt !== undefined && w.factsAt !== undefined && w.firstLogLineAt !== undefined) obs.disconnect();
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    // This process is the server's: how long its event loop was held while it sent the log.
    const serverDelay = monitorEventLoopDelay({ resolution: 5 });
    serverDelay.enable();
    const first = await timeLoad(page, `/builds/${seeded.executionId}`, logLineShown, undefined);
    const end = await page.waitForFunction(
      (count) => {
        const size = document.querySelector('.log-size')?.textContent ?? '';
        return size.startsWith(`${count} lines`) && !size.includes('live') ? performance.now() : false;
      },
      shownCount, { polling: 50, timeout: 120_000 },
    );
    const streamEndMs = Math.round((await end.jsonValue()) as number);
    serverDelay.disable();
    const inDom = await page.evaluate(() => {
      const w = window as unknown as { firstLogLineAt: number; headingAt?: number; factsAt?: number; longTasks: number[] };
      const ms = (t: number | undefined) => Math.round(t ?? Number.NaN);
      return { firstLine: ms(w.firstLogLineAt), heading: ms(w.headingAt), facts: ms(w.factsAt), longTasks: w.longTasks.length, longestTask: Math.round(Math.max(0, ...w.longTasks)) };
    });
    await fx.screenshot('perf-log-100mb');

    const log = page.getByRole('log', { name: 'Build log' });
    const logNodes = await log.evaluate((el) => el.querySelectorAll('*').length);
    const documentNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    // Virtualization (a count, not a time): only the visible window of ~1 M lines is in the DOM.
    assert.ok(logNodes < 1000, `the log view holds ${logNodes} elements for ${lines} lines`);

    const scroll = await log.evaluate(async (el) => {
      const t0 = performance.now();
      el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
      const firstShown = () => Number(el.querySelector('.log-line')?.getAttribute('data-line') ?? 0);
      const before = firstShown();
      await new Promise<void>((resolve) => {
        const check = () => (firstShown() !== before ? resolve() : requestAnimationFrame(check));
        requestAnimationFrame(check);
      });
      return { ms: performance.now() - t0, firstLine: firstShown() };
    });
    assert.ok(Math.abs(scroll.firstLine - lines / 2) < lines / 20, `the middle of the log is shown: line ${scroll.firstLine} of ${lines}`);
    await fx.screenshot('perf-log-100mb-middle');

    const t0 = await page.evaluate(() => performance.now());
    await page.getByLabel('Search the log').fill(NEEDLE);
    const found = await page.waitForFunction(
      (needle) => {
        const status = document.querySelector('.log-search-status')?.textContent ?? '';
        const shown = [...document.querySelectorAll('[role=log] .log-line')].some((l) => l.textContent?.includes(needle));
        return status.trim() === '1 of 1 match' && shown ? performance.now() : false;
      },
      NEEDLE, { polling: 20, timeout: 60_000 },
    );
    const searchMs = Math.round(((await found.jsonValue()) as number) - t0);
    await fx.screenshot('perf-log-100mb-search');

    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    await cdp.detach();
    figures.bigLog = {
      megabytes: LOG_MB, lines, buildHeadingInDomMs: inDom.heading, buildFactsInDomMs: inDom.facts, firstLinesInDomMs: inDom.firstLine, firstLinesSeenByPollMs: first.ms, streamEndMs,
      serverEventLoopMaxDelayMs: Math.round(serverDelay.max / 1e6), pageLongTasks: inDom.longTasks, pageLongestTaskMs: inDom.longestTask, logViewElements: logNodes, documentElements: documentNodes,
      scrollToMiddleMs: Math.round(scroll.ms), searchMs, searchIncludesDebounceMs: 200,
      jsHeapUsedMB: Math.round(heap.usedSize / 1048576), jsHeapTotalMB: Math.round(heap.totalSize / 1048576),
    };
  });

  test('the figures are written with the machine they were measured on', () => {
    const report = {
      measuredAt: new Date().toISOString(), cpus: cpus().length, loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      seed: { templates: TEMPLATES, builds: BUILDS, logMB: LOG_MB, ms: seeded.seedMs }, ...figures,
    };
    assert.ok(figures.templatesList && figures.bigLog, 'both measurements ran');
    const out = join(OUTPUT_DIR, 'performance.json');
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`console performance (${out}):\n${JSON.stringify(report, null, 2)}`);
  });
});
