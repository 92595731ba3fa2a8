import type { StepMark } from '../../components/log-view-store';

const TEST_PREFIX = 'TestContent ';

/**
 * The step a failure names: the last step whose `where` the ErrorInfo begins with
 * (`line 4: the command exited with code 1.`, `line 2 > component app 1.0.0 line 3: …`), or the
 * last step that began when the ErrorInfo names none.
 */
export function failingStep(steps: readonly StepMark[], errorInfo: string | undefined): StepMark | undefined {
  let found: StepMark | undefined;
  // A test failure's ErrorInfo reads `TestContent line 2: …`: one of the TESTING steps.
  const testing = errorInfo?.startsWith(TEST_PREFIX) ?? false;
  const info = testing ? errorInfo!.slice(TEST_PREFIX.length) : errorInfo;
  if (info) {
    for (const s of steps) if (info.startsWith(`${s.where}:`) && (!testing || s.stage === 'TESTING')) found = s;
  }
  return found ?? steps[steps.length - 1];
}

/** The template line a step's `where` starts with (`line 4 > component …` → 4). */
export function contentLine(where: string | undefined): number | undefined {
  const m = where ? /^line (\d+)/.exec(where) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The template line the error names when no step does (a parse or resolution failure written
 * as `line N: …` in ErrorInfo).
 */
export function errorInfoLine(errorInfo: string | undefined): number | undefined {
  const m = errorInfo ? /^(?:TestContent )?line (\d+)\b/.exec(errorInfo) : null;
  return m ? Number(m[1]) : undefined;
}
