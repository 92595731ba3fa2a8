import { createInterface } from 'node:readline';
import type { KilnConfig } from '../config/config.js';
import { cliCredentials, cliEndpoint } from './credentials.js';
import { signedGet } from './signed-get.js';
import { writeOutput } from './stdio.js';

/**
 * `kiln logs [-f] <ExecutionId>`: prints an execution's output; with `-f` follows it live to
 * the end of the build. Exits 0 when the execution succeeded, 1 otherwise (or while running
 * without `-f`). Output goes out at the pace its reader takes it (a pipe such as `| wc -c` gets
 * every byte; the log is read from Kiln no faster), and a pipe closed early (`| head`) ends the
 * command quietly (see `stdio.ts`).
 */
export async function logs(config: KilnConfig, args: string[]): Promise<number> {
  const follow = args.includes('-f') || args.includes('--follow');
  const executionId = args.find((a) => !a.startsWith('-'));
  if (!executionId) {
    console.error('usage: kiln logs [-f] <ExecutionId>');
    return 2;
  }
  const key = cliCredentials(config);
  if (!key) return 2;
  const res = await signedGet(cliEndpoint(config), `/kiln/v1/executions/${encodeURIComponent(executionId)}/logs`, follow ? { follow: 'true' } : {}, key);
  if (res.statusCode !== 200) {
    let body = '';
    for await (const chunk of res) body += chunk;
    console.error(body);
    return 1;
  }
  let status: string | undefined;
  for await (const line of createInterface({ input: res, crlfDelay: Infinity })) {
    if (!line) continue;
    const item = JSON.parse(line) as { end?: boolean; stream?: string; text?: string; status?: string; message?: string; errorCode?: string; errorInfo?: string };
    if (item.end) {
      status = item.status;
      const detail = item.errorCode ? ` [${item.errorCode}] ${item.errorInfo ?? ''}` : '';
      await writeOutput(process.stderr, `--- ${item.status}: ${item.message ?? ''}${detail}\n`);
    } else if (item.stream === 'stderr') {
      await writeOutput(process.stderr, item.text ?? '');
    } else {
      await writeOutput(process.stdout, item.text ?? '');
    }
  }
  return status === 'SUCCESS' ? 0 : 1;
}
