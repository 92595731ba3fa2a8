/** Where log lines go: anything with a `write` (stdout by default; a test's collector). */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LogSettings {
  logLevel: string;
  logFormat: 'json' | 'pretty';
}

/** Pino options as fastify takes them (`logger`), and as `pino()` takes them. */
export interface KilnLoggerOptions {
  level: string;
  redact: { paths: string[]; censor: string };
  serializers: { req(req: { method?: string; url?: string }): { method?: string; path?: string } };
  stream: LogDestination;
}

const CENSOR = '[Redacted]';

/** Fields that hold secrets wherever they appear in a logged object (and one level down). */
const SECRET_FIELDS = [
  'Signature', 'AccessKeySecret', 'accessKeySecret', 'SecurityToken', 'securityToken', 'password', 'Password',
  'secretAccessKey', 's3SecretAccessKey', 'SecretAccessKey', 'KILN_S3_SECRET_ACCESS_KEY', 'KILN_ACCESS_KEY_SECRET',
  'AWS_SECRET_ACCESS_KEY', 'authorization', 'Authorization', 'x-acs-security-token',
];
const REDACT_PATHS = [
  ...SECRET_FIELDS.map((f) => (/^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`)),
  ...SECRET_FIELDS.map((f) => (/^[A-Za-z_$][\w$]*$/.test(f) ? `*.${f}` : `*["${f}"]`)),
  'req.headers.authorization', 'req.headers["x-acs-security-token"]', 'req.headers.cookie',
];

// The same secrets inside text (a URL's query, a form body, a header echoed in an error's
// message or stack): `Name=value`, `"Name":"value"`, `Name: value`. The value is replaced up to
// the next separator; an Authorization header's value (spaces and commas) to its end.
const SECRET_NAMES = 'Signature|AccessKeySecret|SecurityToken|Password|password|SecretAccessKey|secretAccessKey|SECRET_ACCESS_KEY|ACCESS_KEY_SECRET';
const TEXT_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [new RegExp(`((?:${SECRET_NAMES})(?:%3D|=))[^&\\s"',;\\\\]*`, 'g'), `$1${CENSOR}`],
  [new RegExp(`((?:${SECRET_NAMES})\\\\?"\\s*:\\s*\\\\?")(?:[^"\\\\]|\\\\[^"])*`, 'g'), `$1${CENSOR}`],
  [/((?:authorization|Authorization|AUTHORIZATION)\\?"?\s*[:=]\s*\\?"?)(?:[^"\\\n]|\\[^"])*/g, `$1${CENSOR}`],
];

/**
 * A line with every secret removed: the known secret values (the configured ones: AccessKey
 * secrets, S3/OSS keys, passwords) wherever they appear, and the values of secret-named
 * parameters, fields and headers. Applied to every line after pino's own path redaction, so
 * a secret inside an error's message or stack, or a raw URL, is caught as well.
 */
export function scrubSecrets(line: string, knownSecrets: readonly string[]): string {
  let out = line;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(CENSOR);
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** A JSON log line as one short text line: `HH:MM:SS.mmm LEVEL msg key=value …` (and an error's stack below). */
export function prettyLine(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { level, time, msg, pid: _pid, hostname: _host, err, ...rest } = rec;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const stack = err && typeof err === 'object' && 'stack' in err ? `\n    ${String((err as { stack: unknown }).stack).replaceAll('\n', '\n    ')}` : '';
  return `${when} ${(LEVEL_NAMES[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${fields ? ` ${fields}` : ''}${stack}\n`;
}

/**
 * Kiln's logger options (for fastify's `logger`, or `pino()`): the level, pino's redaction of
 * secret fields, a request serializer that drops the query string (the V1 signature and every
 * parameter ride in it), and a destination that scrubs every line (`scrubSecrets`) before it is
 * written, as JSON or, with `logFormat: 'pretty'`, as text.
 */
export function loggerOptions(settings: LogSettings, o: { knownSecrets?: readonly string[]; destination?: LogDestination } = {}): KilnLoggerOptions {
  const out = o.destination ?? process.stdout;
  // Short values could match innocent text; every real secret is longer.
  const known = (o.knownSecrets ?? []).filter((s) => s.length >= 8);
  const pretty = settings.logFormat === 'pretty';
  return {
    level: settings.logLevel,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    serializers: { req: (req) => ({ method: req.method, path: req.url?.split('?', 1)[0] }) },
    stream: {
      write(line: string) {
        const clean = scrubSecrets(line, known);
        return out.write(pretty ? prettyLine(clean) : clean);
      },
    },
  };
}

/** The string values of settings whose names say they are secrets (`…Secret…`, `…Password…`, `…Token…`), nested ones included. */
export function secretsOf(settings: object): string[] {
  const found: string[] = [];
  const walk = (value: unknown, name: string, depth: number): void => {
    if (typeof value === 'string') {
      if (/secret|password|token/i.test(name)) found.push(value);
    } else if (value && typeof value === 'object' && depth < 4) {
      for (const [k, v] of Object.entries(value)) walk(v, k, depth + 1);
    }
  };
  walk(settings, '', 0);
  return found;
}
