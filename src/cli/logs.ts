import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KilnConfig } from '../config/config.js';
import { parseCommand, UsageError } from './args.js';
import { cliCredentials, cliEndpoint } from './credentials.js';
import { signedGet } from './signed-get.js';
import { writeOutput } from './stdio.js';

/** One NDJSON line of the logs endpoint: a chunk (`seq`, `stream`, `text`) or the end line. */
interface LogLine {
  seq?: number;
  stream?: string;
  text?: string;
  end?: boolean;
  status?: string;
  message?: string;
  errorCode?: string;
  errorInfo?: string;
}

/** Tries in a row that bring nothing new before `kiln logs` gives up on a stream that keeps ending early. */
const MAX_FRUITLESS_TRIES = 3;

/**
 * The lines of an NDJSON body, read a chunk at a time as the caller takes them: the response
 * is not read further while the caller is busy (its output pipe is full), so the CLI holds one
 * chunk and one line, and the server sees a reader that reads at the pipe's pace.
 */
async function* ndjsonLines(res: IncomingMessage): AsyncGenerator<LogLine> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line) yield JSON.parse(line) as LogLine;
  }
  partial += decoder.end();
  if (partial) yield JSON.parse(partial) as LogLine;
}

/**
 * `kiln logs [-f] <ExecutionId>`: prints an execution's output; with `-f` follows it live to
 * the end of the build. Exits 0 when the execution succeeded, 1 otherwise (or while running
 * without `-f`). Output goes out at the pace its reader takes it (a pipe such as `| wc -c` gets
 * every byte; the log is read from Kiln no faster), and a pipe closed early (`| head`) ends the
 * command quietly (see `stdio.ts`). Kiln closes a stream whose reader takes nothing for a while
 * (`KILN_LOG_STREAM_IDLE_MS`): the command then asks again for what follows the last chunk it
 * printed, so a reader that pauses still gets the whole log, once.
 */
export async function logs(config: KilnConfig, args: string[]): Promise<number> {
  const usage = 'usage: kiln logs [-f|--follow] <ExecutionId>';
  const { values, positionals } = parseCommand('logs', usage, args, { follow: { type: 'boolean', short: 'f' } }, 1);
  const follow = values.follow === true;
  const executionId = positionals[0];
  if (!executionId) throw new UsageError('kiln logs: which execution? (an ExecutionId)', usage);
  const key = cliCredentials(config);
  if (!key) return 2;
  const path = `/kiln/v1/executions/${encodeURIComponent(executionId)}/logs`;
  let after = 0;
  let fruitless = 0;
  for (;;) {
    const res = await signedGet(cliEndpoint(config), path, { ...(follow ? { follow: 'true' } : {}), ...(after > 0 ? { after: String(after) } : {}) }, key);
    if (res.statusCode !== 200) {
      let body = '';
      for await (const chunk of res) body += chunk;
      // A resumed stream may find the account's streams all taken for a moment (Throttling.User).
      if (after === 0 || ++fruitless >= MAX_FRUITLESS_TRIES) {
        console.error(body);
        return 1;
      }
      await sleep(1000);
      continue;
    }
    const before = after;
    try {
      for await (const item of ndjsonLines(res)) {
        if (item.end) {
          const detail = item.errorCode ? ` [${item.errorCode}] ${item.errorInfo ?? ''}` : '';
          await writeOutput(process.stderr, `--- ${item.status}: ${item.message ?? ''}${detail}\n`);
          return item.status === 'SUCCESS' ? 0 : 1;
        }
        await writeOutput(item.stream === 'stderr' ? process.stderr : process.stdout, item.text ?? '');
        if (item.seq !== undefined) after = item.seq;
      }
    } catch {
      // The connection was cut (Kiln closes a stream its reader left idle): ask again below.
    }
    // The stream ended without its end line.
    fruitless = after > before ? 0 : fruitless + 1;
    if (fruitless >= MAX_FRUITLESS_TRIES) {
      console.error(`kiln logs: the log stream of ${executionId} keeps ending early (after chunk ${after}); giving up.`);
      return 1;
    }
  }
}
