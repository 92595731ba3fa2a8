import { CommandError, runCommand } from '../system/run-command.js';
import { formatDeb822Sources, type DebianSources } from './apt-sources.js';

/** What the Debian bases are bootstrapped with. */
export interface BootstrapOptions {
  /** The mmdebstrap command (default: `mmdebstrap` on the PATH). */
  mmdebstrap?: string;
  /** Packages beyond the minbase variant's (ca-certificates is added when a source is https). */
  include?: readonly string[];
  /** What is made, for the error message (e.g. `the Debian 12 VM base`). */
  what?: string;
}

/** Whether apt needs ca-certificates to reach these sources. */
export function usesHttps(sources: DebianSources): boolean {
  return sources.sources.some((s) => s.uris.some((u) => u.startsWith('https:')));
}

/**
 * `mmdebstrap --variant=minbase --mode=unshare` of the sources' first suite into `root` (its
 * own user and mount namespace: nothing stays mounted if it dies), reading the sources from
 * standard input; it dies with us (`setpriv --pdeathsig`). Its error names the suite, the
 * mirror and the last lines it printed.
 */
export async function mmdebstrapMinbase(root: string, sources: DebianSources, options: BootstrapOptions = {}): Promise<void> {
  const include = [...(options.include ?? []), ...(usesHttps(sources) ? ['ca-certificates'] : [])];
  const args = [
    '--variant=minbase',
    '--mode=unshare',
    '--format=directory',
    '--dpkgopt=force-unsafe-io',
    ...(include.length > 0 ? [`--include=${include.join(',')}`] : []),
    sources.suite,
    root,
    '-',
  ];
  const mmdebstrap = options.mmdebstrap ?? 'mmdebstrap';
  const [file, argv] = (await hasSetpriv()) ? ['setpriv', ['--pdeathsig', 'KILL', '--', mmdebstrap, ...args]] : [mmdebstrap, args];
  try {
    await runCommand(file, argv, { input: formatDeb822Sources(sources.sources) });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const tail = (err.result.stderr.trim() || err.result.stdout.trim()).split('\n').slice(-12).join('\n');
    const what = options.what ? ` (${options.what})` : '';
    throw new Error(`mmdebstrap --variant=minbase${what} ${sources.suite} from ${sources.mirror} exited ${err.result.code}: ${tail}`);
  }
}

let setprivKnown: Promise<boolean> | undefined;
function hasSetpriv(): Promise<boolean> {
  setprivKnown ??= runCommand('setpriv', ['--help'], { allowFailure: true }).then((r) => r.code === 0 && r.stdout.includes('--pdeathsig'));
  return setprivKnown;
}
