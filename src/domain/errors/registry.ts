import { CATALOG_CODES } from './catalog-codes.js';
import { COMPONENT_CODES } from './component-codes.js';
import { CONSOLE_CODES } from './console-codes.js';
import { CONTENT_CODES } from './content-codes.js';
import { EXECUTION_CODES } from './execution-codes.js';
import { EXPORT_CODES } from './export-codes.js';
import { IMPORT_CODES } from './import-codes.js';
import { PIPELINE_CODES } from './pipeline-codes.js';
import { QUOTA_CODES } from './quota-codes.js';
import { REQUEST_CODES } from './request-codes.js';
import { RESOURCE_CODES } from './resource-codes.js';
import type { ErrorSpec, ErrorTable } from './spec.js';
import { STORE_CODES } from './store-codes.js';
import { TASK_CODES } from './task-codes.js';

/**
 * THE error registry: every code Kiln can produce — answered by the API, ended with by a
 * build (an execution's ErrorCode), or thrown by the store — with its HTTP status, fault side,
 * where it is documented, what it means and, for codes whose message is fixed in shape, the
 * message. Each area's codes are in their own file; a code is in exactly one of them.
 *
 * A key ending in `.*` is a family: `MissingParameter.*` stands for `MissingParameter.<Name>`
 * of any parameter. An exact entry (`MissingParameter.RepairMode`, documented 404) wins over
 * its family.
 *
 * `KilnError`'s code is an `ErrorCode` (so an unregistered code does not type-check),
 * `api/rpc/http-status.ts` takes statuses from here, docs/errors.md is generated from here
 * (`npm run docs`), and test/errors/ checks the registry against src/ and test/.
 */
export const ERROR_AREAS = {
  request: REQUEST_CODES,
  pipeline: PIPELINE_CODES,
  content: CONTENT_CODES,
  component: COMPONENT_CODES,
  resource: RESOURCE_CODES,
  quota: QUOTA_CODES,
  execution: EXECUTION_CODES,
  store: STORE_CODES,
  task: TASK_CODES,
  export: EXPORT_CODES,
  import: IMPORT_CODES,
  catalog: CATALOG_CODES,
  console: CONSOLE_CODES,
} as const;

export type ErrorArea = keyof typeof ERROR_AREAS;

type Registry = typeof REQUEST_CODES & typeof PIPELINE_CODES & typeof CONTENT_CODES & typeof COMPONENT_CODES
  & typeof RESOURCE_CODES & typeof QUOTA_CODES & typeof EXECUTION_CODES & typeof STORE_CODES
  & typeof TASK_CODES & typeof EXPORT_CODES & typeof IMPORT_CODES & typeof CATALOG_CODES & typeof CONSOLE_CODES;

/** A registry key: a code, or a family (`MissingParameter.*`). */
export type RegistryKey = keyof Registry & string;

type Expand<K extends string> = K extends `${infer Family}.*` ? `${Family}.${string}` : K;

/** Every code Kiln can produce. */
export type ErrorCode = Expand<RegistryKey>;

/** The codes of the store's errors. */
export type StoreErrorCode = Extract<RegistryKey, `Store.${string}`>;

/** The codes whose message is a template (families excluded: they have their own helpers). */
export type TemplatedCode = {
  [K in RegistryKey]: Registry[K] extends { message: (...args: never[]) => string } ? (K extends `${string}.*` ? never : K) : never;
}[RegistryKey];

/** The parameters of a templated code's message (none for a fixed sentence). */
export type MessageParams<C extends TemplatedCode> = Registry[C] extends { message: (...args: infer A) => string } ? A : never;

function merge(areas: Readonly<Record<ErrorArea, ErrorTable>>): Registry {
  const all: Record<string, ErrorSpec> = {};
  for (const table of Object.values(areas)) {
    for (const [code, spec] of Object.entries(table)) {
      if (Object.hasOwn(all, code)) throw new Error(`error code ${code} is registered twice`);
      all[code] = spec;
    }
  }
  return Object.freeze(all) as Registry;
}

export const ERROR_REGISTRY: Registry = merge(ERROR_AREAS);

/** The entry for `code`: its own, else its family's (`MissingParameter.*`); undefined when unregistered. */
export function errorSpec(code: string): ErrorSpec | undefined {
  const table: Readonly<Record<string, ErrorSpec>> = ERROR_REGISTRY;
  if (Object.hasOwn(table, code)) return table[code];
  const dot = code.indexOf('.');
  if (dot > 0 && dot < code.length - 1) {
    const family = `${code.slice(0, dot)}.*`;
    if (Object.hasOwn(table, family)) return table[family];
  }
  return undefined;
}

/** Whether `code` is registered (itself or through its family). */
export function isErrorCode(code: string): code is ErrorCode {
  return errorSpec(code) !== undefined;
}

/** The message of a templated code, from its parameters. */
export function messageOf<C extends TemplatedCode>(code: C, ...params: MessageParams<C>): string {
  const template = (ERROR_REGISTRY as Readonly<Record<string, ErrorSpec>>)[code]!.message as unknown as (...args: MessageParams<C>) => string;
  return template(...params);
}
