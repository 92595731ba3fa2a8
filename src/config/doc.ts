import { formatBytes } from '../domain/bytes.js';
import { SETTINGS, type SettingSpec } from './schema.js';

/*
 * The documentation of the settings, generated from the schema: the README's Configuration
 * table (`npm run docs` puts it between the markers) and the settings list of
 * `kiln --help`.
 */

export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

/** A setting's default as Markdown: its `docDefault`, else the value (byte counts also in KiB/MiB/GiB). */
export function defaultText(spec: SettingSpec): string {
  const { schema } = spec;
  if (schema.docDefault) return schema.docDefault;
  const d = schema.default;
  if (d === undefined) return '—';
  if (typeof d === 'number' && /Bytes/.test(spec.path.at(-1)!) && d >= 1024) return `\`${d}\` (${formatBytes(d)})`;
  return `\`${typeof d === 'string' ? d : JSON.stringify(d)}\``;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's Configuration table, markers included. */
export function configTable(): string {
  const rows = SETTINGS.map((s) => `| \`${s.env}\` | \`${s.path.join('.')}\` | ${cell(defaultText(s))} | ${cell(s.schema.description ?? '')} |`);
  return [
    TABLE_START,
    '| variable | `KILN_CONFIG` key | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '| `KILN_CONFIG` | — | — | a JSON file with any of the settings above by key (`{"port": 8080, "regions": ["cn-hangzhou"], "oss": {"endpoint": "…"}}`); a variable that is set wins over the file. An unknown key, a value of the wrong type or range, or a file that cannot be read stops the start with an error naming the key or variable, the value and what is expected |',
    TABLE_END,
  ].join('\n');
}

/** `readme` with its table region replaced by `configTable()`; throws when the markers are missing. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${TABLE_START}" … "${TABLE_END}" region`);
  return readme.slice(0, start) + configTable() + readme.slice(end + TABLE_END.length);
}

/** The table region of `readme` as it stands (markers included), or undefined. */
export function currentConfigTable(readme: string): string | undefined {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  return start < 0 || end < start ? undefined : readme.slice(start, end + TABLE_END.length);
}

/** The settings part of `kiln --help`: each variable with its default, one a line. */
export function settingsUsage(): string {
  const width = Math.max(...SETTINGS.map((s) => s.env.length)) + 2;
  const plain = (text: string) => {
    const t = text.replace(/`/g, '');
    return t.length > 72 ? `${t.slice(0, 71)}…` : t;
  };
  return [
    'Settings: environment variables, or the same keys in the JSON file KILN_CONFIG names (oss.* as',
    '"oss": {…}); README.md "Configuration" says what each means. Default:',
    ...SETTINGS.map((s) => `  ${s.env.padEnd(width)}${plain(defaultText(s))}`),
    `  ${'KILN_CONFIG'.padEnd(width)}— (a JSON file of settings)`,
  ].join('\n');
}
