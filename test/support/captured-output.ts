/*
 * A CLI command's function (src/cli/*) run in the test's own process, its console output and
 * stderr writes captured instead of printed.
 */

/** What a command printed, and its exit code. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI command's function with its console output captured; an error it throws ends it the
 * way src/main/cli.ts ends an unhandled one (exit code 1, `kiln: <message>` on stderr).
 */
export async function captured(fn: () => Promise<number>): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const { log, error } = console;
  const write = process.stderr.write;
  console.log = (...args: unknown[]) => { stdout += `${args.join(' ')}\n`; };
  console.error = (...args: unknown[]) => { stderr += `${args.join(' ')}\n`; };
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += chunk.toString(); return true; }) as typeof process.stderr.write;
  try {
    return { code: await fn(), stdout, stderr };
  } catch (err) {
    return { code: 1, stdout, stderr: `${stderr}kiln: ${(err as Error).message}\n` };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}
