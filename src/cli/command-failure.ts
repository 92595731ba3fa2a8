import { KilnError } from '../domain/errors.js';

/**
 * How a CLI command ends on `err`: a refusal (`KilnError`) prints `kiln: <Code>: <message>` and
 * exits 1; an interrupt (`signal` aborted by SIGINT/SIGTERM) prints `interrupted` and exits 130;
 * anything else is a fault and is thrown on.
 */
export function commandFailure(err: unknown, signal: AbortSignal, interrupted: string): number {
  if (err instanceof KilnError) {
    console.error(`kiln: ${err.code}: ${err.message}`);
    return 1;
  }
  if (signal.aborted) {
    console.error(`kiln: ${interrupted}`);
    return 130;
  }
  throw err;
}
