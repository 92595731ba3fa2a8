import { refuse } from './safe-tree.js';

/** The part of an OCI image config the image's command is made of. */
export interface CommandConfig {
  Entrypoint?: unknown;
  Cmd?: unknown;
  Env?: unknown;
  WorkingDir?: unknown;
  User?: unknown;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const CONTROL = /[\u0000-\u001f\u007f]/;
/** systemd's rule for environment variable names (env_name_is_valid). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ACCOUNT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

/**
 * One word of a systemd ExecStart= or Environment= line, double-quoted (systemd.syntax(7)):
 * backslash and double quote escaped, control characters as C escapes (which systemd reads in
 * quoted words), `%` doubled (specifiers), and for ExecStart= `$` doubled (no variable
 * expansion), so any string is passed as exactly that one argument.
 */
export function systemdWord(word: string, forExec: boolean): string {
  let out = '';
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (ch === '%') out += '%%';
    else if (ch === '$' && forExec) out += '$$';
    else out += ch;
  }
  return `"${out}"`;
}

/**
 * The ExecStart= value for argv (Docker's Entrypoint + Cmd). A program named without a path is
 * found on the image's PATH as Docker finds it (through /usr/bin/env, which searches the PATH
 * of the Environment= lines), unless its name has a `=` (env would take it for a variable).
 */
export function execStart(argv: readonly string[]): string {
  const [program] = argv;
  const viaEnv = program !== undefined && !program.startsWith('/') && !program.includes('=');
  return [...(viaEnv ? ['/usr/bin/env', '--'] : []), ...argv].map((w, i) => (viaEnv && i < 2 ? w : systemdWord(w, true))).join(' ');
}

/** Docker's USER (`name`, `uid`, `name:group`, `uid:gid`) as User= and Group= lines; none for root. */
function userLines(user: string): string[] {
  if (user === '' || user === 'root' || user === '0' || user === '0:0' || user === 'root:root') return [];
  const [u, g, ...rest] = user.split(':');
  if (rest.length > 0 || !ACCOUNT.test(u!) || (g !== undefined && !ACCOUNT.test(g))) throw refuse(`the image's User ${JSON.stringify(user)} is not a user name or id systemd takes`);
  return [`User=${u}`, ...(g !== undefined ? [`Group=${g}`] : [])];
}

/**
 * kiln-cmd.service from the image config (Guest contract): Entrypoint + Cmd run as a service
 * with the image's Env, WorkingDir and User, output to the journal and the console; stays
 * active after a command that exits 0 (RemainAfterExit), so the boot report can tell `active`
 * from `failed`. Undefined when the image has neither Entrypoint nor Cmd. A config that cannot be
 * written safely (a relative or odd WorkingDir, an odd User) refuses the export.
 */
export function cmdUnit(config: CommandConfig): string | undefined {
  const argv = [...strings(config.Entrypoint), ...strings(config.Cmd)];
  if (argv.length === 0) return undefined;
  const env = strings(config.Env).filter((e) => ENV_NAME.test(e.split('=')[0]!) && e.includes('='));
  const dir = typeof config.WorkingDir === 'string' ? config.WorkingDir : '';
  if (dir !== '' && (!dir.startsWith('/') || CONTROL.test(dir))) throw refuse(`the image's WorkingDir ${JSON.stringify(dir)} is not an absolute path`);
  const lines = [
    '# Kiln: the image\'s Entrypoint and Cmd (its config) as a service.',
    '[Unit]',
    'Description=The image\'s command (Kiln)',
    'After=network-online.target kiln-growroot.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=exec',
    'RemainAfterExit=yes',
    ...env.map((e) => `Environment=${systemdWord(e, false)}`),
    ...(dir !== '' ? [`WorkingDirectory=-${dir.replace(/%/g, '%%')}`] : []),
    ...userLines(typeof config.User === 'string' ? config.User : ''),
    `ExecStart=${execStart(argv)}`,
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${lines.join('\n')}\n`;
}
