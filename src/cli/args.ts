import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line Kiln cannot run: an unknown flag, a flag without its value, a missing argument. `kiln` prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command's usage line(s). */
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses one command's arguments with `node:util` `parseArgs` (strict: an unknown flag, or a
 * string flag without its value, is a UsageError naming it). `positionals` is how many plain
 * arguments the command takes at most (a Name=value list: `Infinity`).
 */
export function parseCommand<O extends Options>(command: string, usage: string, args: string[], options: O, positionals = 0) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs goes on about `--` for positionals that start with a dash: the first sentence says it.
    throw new UsageError(`kiln ${command}: ${(err as Error).message.split('. To specify')[0]}`, usage);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`kiln ${command}: unexpected argument '${parsed.positionals[positionals]}'`, usage);
  }
  return parsed;
}

/** A flag's value as a non-negative integer, or undefined when the flag is absent. */
export function nonNegativeInt(command: string, usage: string, flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`kiln ${command}: ${flag} needs a non-negative integer, got '${raw}'`, usage);
  return Number(raw);
}
