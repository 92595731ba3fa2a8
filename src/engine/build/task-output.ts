import { StepFailure } from './step-failure.js';
import { formatBytes } from '../../domain/bytes.js';


/**
 * The most a YAML task may print on stdout for `{{ task.stdout }}` references (bytes), when the
 * setting says nothing: Cloud Assistant, which runs Image Builder's commands, keeps 24 KB of a
 * command's output (`Output`; what is past it is counted in `Dropped`).
 */
export const DEFAULT_TASK_OUTPUT_MAX_BYTES = 24 * 1024;

/** A YAML task's output as later tasks see it: its text, or `cut` when it was larger than the limit. */
export type TaskOutput = { where: string; text: string } | { where: string; cut: true };

/**
 * Collects a task's stdout for `{{ task.stdout }}`, holding at most `maxBytes`: output past
 * them is only counted, and the capture is then `cut` (no text at all: a reference must not
 * see a part of it as if it were the whole). The log gets every byte either way.
 */
export class TaskOutputCapture {
  private readonly held: Buffer[] = [];
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes <= this.maxBytes) this.held.push(chunk);
    else this.held.length = 0;
  }

  get cut(): boolean {
    return this.bytes > this.maxBytes;
  }

  /** The output, decoded as a whole (a character split between reads stays whole); undefined when cut. */
  text(): string | undefined {
    return this.cut ? undefined : Buffer.concat(this.held).toString('utf8');
  }
}

/** The log line said when a task's output is not kept for references. */
export function outputNotKeptLine(task: string, maxBytes: number): string {
  return `    {{ ${task}.stdout }} is not kept: the task printed more than ${formatBytes(maxBytes)} (${maxBytes} bytes) on stdout `
    + `(KILN_TASK_OUTPUT_MAX_BYTES); a task that refers to it fails with TaskOutputTooLarge\n`;
}

/** `{{ task.stdout }}` references to earlier YAML tasks' output. */
const OUTPUT_REF = /\{\{\s*([A-Za-z0-9_-]+)\.stdout\s*\}\}/g;

/**
 * Replaces `{{ task.stdout }}` references in `text` (of the step at `where`) with the tasks'
 * output; a reference to a name no earlier task has stays as written. A reference to a task
 * whose output was cut fails the step with `TaskOutputTooLarge`, before anything runs.
 */
export function bindOutputs(text: string, outputs: ReadonlyMap<string, TaskOutput>, where: string, maxBytes: number): string {
  return text.replace(OUTPUT_REF, (whole, task: string) => {
    const out = outputs.get(task);
    if (out === undefined) return whole;
    if ('text' in out) return out.text;
    throw new StepFailure('TaskOutputTooLarge', `${where}: {{ ${task}.stdout }} refers to the output of ${out.where}, which printed more than `
      + `${formatBytes(maxBytes)} (${maxBytes} bytes) on stdout, the most a task's output may be for a reference (KILN_TASK_OUTPUT_MAX_BYTES); `
      + 'the command was not run. Write large output to a file and read the file in the later task.');
  });
}
