/** One GUESTOS item's result as REPAIRING logs it: `GUESTOS.<Item>: <STATUS> (<detail>)`. */
export interface RepairResult {
  item: string;
  status: 'OK' | 'REPAIRED' | 'NOT REPAIRED' | 'NOT APPLICABLE';
  detail: string;
}

const RESULT = /^(GUESTOS\.[A-Za-z]+): (OK|REPAIRED|NOT REPAIRED|NOT APPLICABLE) \((.+)\)$/gm;

/** The item results in a build's logs, in the order REPAIRING logged them. */
export function repairResults(logs: string): RepairResult[] {
  return [...logs.matchAll(RESULT)].map((m) => ({ item: m[1]!, status: m[2]! as RepairResult['status'], detail: m[3]! }));
}

/** The item results in a build's logs, by item (`GUESTOS.Dhcp` → its status and detail). */
export function repairResultsByItem(logs: string): Record<string, Omit<RepairResult, 'item'>> {
  return Object.fromEntries(repairResults(logs).map(({ item, status, detail }) => [item, { status, detail }]));
}
