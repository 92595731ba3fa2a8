import { ENGINE_ERROR_CLASSES } from './engine-errors.js';
import { ERROR_AREAS, type ErrorArea } from './registry.js';
import type { ErrorSpec } from './spec.js';

/** The heading of each area's table. */
const AREA_TITLES: Record<ErrorArea, string> = {
  request: 'Request, protocol and server codes',
  pipeline: 'Image templates and executions',
  content: 'Build content',
  component: 'Image components',
  resource: 'Images, tags and accounts',
  quota: 'Quotas',
  execution: 'Execution-only codes (engine and worker)',
  store: 'Store codes (internal)',
  task: 'Tasks',
  export: 'Exporting images',
  import: 'Importing images',
  catalog: 'Catalogs',
  console: 'Web console',
};

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function documented(doc: string): string {
  if (doc === 'Kiln') return 'Kiln';
  const page = doc.replace(/^https?:\/\/[^/]+\//, '').replace(/\/$/, '').split('/').at(-1)!.replace(/^api-ecs-2014-05-26-/, '');
  return `[${page}](${doc})`;
}

const codeCell = (code: string): string => (code.endsWith('.*') ? `\`${code.slice(0, -2)}.<Name>\`` : `\`${code}\``);

/** docs/errors.md: the execution error codes, how engine errors become them, and every code by area. */
export function errorsDoc(): string {
  const entries = Object.values(ERROR_AREAS).flatMap((t) => Object.entries(t as Readonly<Record<string, ErrorSpec>>));
  const out: string[] = [
    '# Error codes',
    '',
    '<!-- Generated from src/domain/errors/ by `npm run docs`; do not edit by hand. -->',
    '',
    'Every code Kiln produces is in one registry (`src/domain/errors/`): its HTTP status when an API call is answered with it,',
    'whose fault it is (`client`: the caller can fix it, 4xx; `server`: Kiln\'s, 5xx), where it is documented (the official',
    'ECS API reference page, or Kiln for Kiln\'s own codes) and what it means. A test checks that every code in the source is',
    'registered and that every registered code is produced by some test.',
    '',
    '## Execution error codes',
    '',
    'The `ErrorCode` a build can end with (DescribeImagePipelineExecutions; `ErrorInfo` says what and where, naming the',
    'line of the content). FAILED and TEST_FAILED builds carry one; a PARTITION_SUCCESS build carries `DistributionFailed`.',
    '',
    '| ErrorCode | When | Fault | Documented |',
    '|---|---|---|---|',
    ...entries.filter(([, s]) => s.execution).map(([code, s]) => `| ${codeCell(code)} | ${cell(s.execution!)} | ${s.fault} | ${documented(s.doc)} |`),
    '',
    '### How errors inside a build become these codes',
    '',
    '| Error | Meaning | The execution ends |',
    '|---|---|---|',
    ...ENGINE_ERROR_CLASSES.map((e) => `| ${e.where ? `\`${e.name}\` (${e.where})` : e.name} | ${cell(e.meaning)} | ${cell(e.becomes)} |`),
    '',
    '## All codes',
    '',
    'A code ending in `.<Name>` is a family: `MissingParameter.<Name>` names the missing parameter. Store codes never reach',
    'the wire as themselves (the API answers `InternalError`, or `ServiceUnavailable` for exhausted retries).',
  ];
  for (const [area, table] of Object.entries(ERROR_AREAS) as [ErrorArea, Readonly<Record<string, ErrorSpec>>][]) {
    out.push('', `### ${AREA_TITLES[area]}`, '', '| Code | HTTP | Fault | Documented | Meaning |', '|---|---|---|---|---|');
    for (const [code, s] of Object.entries(table)) out.push(`| ${codeCell(code)} | ${s.status} | ${s.fault} | ${documented(s.doc)} | ${cell(s.meaning)} |`);
  }
  return `${out.join('\n')}\n`;
}
