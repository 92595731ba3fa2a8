/**
 * Small tokenizers shared by the commands. They report problems through a `fail` callback
 * so each caller can raise its own error code (ENV and LABEL share the pair syntax but not
 * the code).
 */
export type Fail = (detail: string) => never;

export interface Word {
  text: string;
  /** A quoted word is never taken for a `--flag` (lets a COMPONENT value start with `--`). */
  quoted: boolean;
}

/**
 * Splits on blanks. A word is either bare (no `"` in it) or wholly double-quoted; inside
 * quotes `\"` is a quote and `\\` a backslash, any other `\x` is kept as written so Windows
 * paths and regexes survive. Mixed words like `a"b c"` are rejected rather than guessed at.
 */
export function splitWords(input: string, fail: Fail): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < input.length) {
    if (isBlank(input[i])) {
      i++;
      continue;
    }
    if (input[i] === '"') {
      const { value, end } = readQuoted(input, i, fail);
      if (end < input.length && !isBlank(input[end])) fail(`unexpected text after a closing quote`);
      words.push({ text: value, quoted: true });
      i = end;
      continue;
    }
    let j = i;
    while (j < input.length && !isBlank(input[j])) {
      if (input[j] === '"') fail(`unexpected quote inside "${input.slice(i).split(/[ \t]/)[0]}"; quote the whole word`);
      j++;
    }
    words.push({ text: input.slice(i, j), quoted: false });
    i = j;
  }
  return words;
}

/**
 * Parses `k1="v1" k2=v2 …`. Values are double-quoted (may hold blanks and `\"`) or a single
 * bare token as Docker allows (`FOO=bar`, `FOO=`); a bare value may not contain quotes,
 * which catches single-quoted values that would otherwise keep their quotes.
 * `isKey` validates key names (ENV wants shell identifiers, LABEL is looser).
 */
export function parsePairs(input: string, isKey: (key: string) => boolean, fail: Fail): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  while (i < input.length) {
    if (isBlank(input[i])) {
      i++;
      continue;
    }
    let eq = i;
    while (eq < input.length && input[eq] !== '=' && !isBlank(input[eq])) eq++;
    const key = input.slice(i, eq);
    if (input[eq] !== '=') fail(`"${key}" is not a key=value pair`);
    if (key === '') fail(`missing key before "="`);
    if (!isKey(key)) fail(`invalid key "${key}"`);
    let value: string;
    let end: number;
    if (input[eq + 1] === '"') {
      ({ value, end } = readQuoted(input, eq + 1, fail));
      if (end < input.length && !isBlank(input[end])) fail(`unexpected text after the quoted value of "${key}"`);
    } else {
      end = eq + 1;
      while (end < input.length && !isBlank(input[end])) end++;
      value = input.slice(eq + 1, end);
      if (/["']/.test(value)) fail(`the value of "${key}" must be double-quoted`);
    }
    pairs.push([key, value]);
    i = end;
  }
  return pairs;
}

/** If the whole input is one double-quoted string, its content; otherwise undefined. */
export function unquoteWhole(input: string, fail: Fail): string | undefined {
  if (!input.startsWith('"')) return undefined;
  const { value, end } = readQuoted(input, 0, fail);
  return end === input.length ? value : undefined;
}

function readQuoted(input: string, open: number, fail: Fail): { value: string; end: number } {
  let value = '';
  let i = open + 1;
  while (i < input.length) {
    const c = input[i];
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && (input[i + 1] === '"' || input[i + 1] === '\\')) {
      value += input[i + 1];
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return fail(`unterminated quote: ${input.slice(open)}`);
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}
