/*
 * The CLI's output into pipes. Writes to a pipe that is full are queued in memory by Node, and
 * `process.exit` drops that queue: `kiln logs <id> | wc -c` lost everything past the first
 * ~8 MB. So output waits for the pipe to drain, the CLI exits only once stdout and stderr are
 * flushed, and a reader that goes away (`| head`) ends the CLI quietly.
 */

type Output = NodeJS.WriteStream;

/**
 * Writes `text`; when the stream's buffer is full, waits until it has drained, so a slow
 * reader slows the CLI down instead of growing its memory.
 */
export function writeOutput(stream: Output, text: string): Promise<void> {
  if (stream.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle);
      stream.off('close', settle);
      stream.off('error', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
    stream.on('error', settle);
  });
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or never can be). */
function flushed(stream: Output): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  // Writes complete in order: the callback of an empty write runs after every earlier one.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Ends the process with `code` once stdout and stderr are flushed. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * A closed pipe (EPIPE: its reader, such as `| head`, has exited) ends the CLI at once,
 * quietly and with 0: the reader took what it wanted. Any other output error stays an error.
 * Install once, first thing.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(0);
    });
  }
}
