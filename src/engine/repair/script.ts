import type { RepairItemResult } from '../../domain/build-artifact.js';
import { LINUX_REPAIR_ITEMS } from '../../domain/pipeline-rules.js';
import { LINUX_ITEMS, windowsOnly, type RepairItem } from './items.js';
import { SHELL_HELPERS } from './shell-helpers.js';

export type RepairStatus = RepairItemResult['status'];

/** One check item's result (the domain's `RepairItemResult`, which the build artifact carries). */
export type RepairResult = RepairItemResult;

/** Marks the start of an item on stdout (not logged): tells which item a failing script was in. */
export const ITEM_MARKER = '::kiln-repair-item::';

/** The items to run: `RepairItem.N` in the order given (duplicates once), or every Linux item. */
export function selectItems(requested: readonly string[]): RepairItem[] {
  const names = requested.length > 0 ? [...new Set(requested)] : [...LINUX_REPAIR_ITEMS];
  return names.map((n) => LINUX_ITEMS.find((i) => i.name === n) ?? windowsOnly(n));
}

/**
 * The one script REPAIRING runs as root: shared helpers, then each item in its own subshell
 * under `set -e`. An item that exits non-zero, or prints no result, fails the script (exit 3)
 * after naming itself on stderr; an item merely NOT REPAIRED is a result, not a failure.
 */
export function repairScript(items: readonly RepairItem[]): string {
  const fn = (i: number): string => `kiln_item_${i}`;
  const lines: string[] = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH',
    'export LC_ALL=C',
    // One line whatever the item's text holds (a file's content may have newlines).
    'report() { printf \'%s: %s\\n\' "$KILN_ITEM" "$(printf \'%s\' "$1" | tr \'\\n\\r\' \'  \')"; echo x >> "$KILN_REPORTED"; }',
    'ok() { report "OK ($1)"; }',
    'repaired() { report "REPAIRED ($1)"; }',
    'not_repaired() { report "NOT REPAIRED ($1)"; }',
    'not_applicable() { report "NOT APPLICABLE ($1)"; }',
    SHELL_HELPERS.trim(),
    'mkdir -p /tmp; KILN_REPORTED=/tmp/.kiln-repair-$$',
  ];
  for (const [i, item] of items.entries()) lines.push(`${fn(i)}() {`, item.body.trim(), '}');
  for (const [i, item] of items.entries()) lines.push(
    `KILN_ITEM='${item.name}'; echo '${ITEM_MARKER}${item.name}'; : > "$KILN_REPORTED"`,
    `( set -e; ${fn(i)} ); rc=$?`,
    `if [ "$rc" -ne 0 ] || [ "$(wc -l < "$KILN_REPORTED")" -ne 1 ]; then echo "${item.name}: the check ended with exit code $rc and $(wc -l < "$KILN_REPORTED") result(s)" >&2; rm -f "$KILN_REPORTED"; exit 3; fi`,
  );
  lines.push('rm -f "$KILN_REPORTED"', 'exit 0');
  return `${lines.join('\n')}\n`;
}

const RESULT_LINE = /^(GUESTOS\.[A-Za-z]+): (OK|REPAIRED|NOT REPAIRED|NOT APPLICABLE) \((.*)\)$/;

/** Result lines of the script's stdout, in order. */
export function parseResults(stdout: string): RepairResult[] {
  const out: RepairResult[] = [];
  for (const line of stdout.split('\n')) {
    const m = RESULT_LINE.exec(line.trimEnd());
    if (m) out.push({ item: m[1]!, status: m[2] as RepairStatus, detail: m[3]! });
  }
  return out;
}

