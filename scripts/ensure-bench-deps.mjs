// Installs what only the bench needs, when it is missing: buildah, from the machine's Debian
// mirror, for the Kiln-vs-buildah build comparison (`npm run bench -- builds-vs-buildah`), and
// the export bench's tools (`ensureExportBenchDeps`: qemu-img, skopeo, docker-registry).
// `npm start` and `npm test` never run this. The bench calls `ensureBenchDeps()` right before
// that part (so `npm run bench -- api` or `--no-builds` installs nothing); it is also a script:
// `node scripts/ensure-bench-deps.mjs`.
//
// `apt-get install --no-install-recommends buildah`: the comparison runs buildah as root with
// `--isolation chroot` and the kernel's overlay driver, so neither fuse-overlayfs nor an OCI
// runtime (buildah's recommends) is used. Installing needs root; a non-root user gets the command.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:${SBIN_PATH}` };

/** True when `cmd` is on the PATH (the sbin folders included). */
function have(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null 2>&1', 'sh', cmd], { env }).status === 0;
}

const PACKAGES = ['buildah'];

/** Installs buildah when `buildah` is not on the PATH; throws when it cannot. */
export function ensureBenchDeps() {
  if (have('buildah')) return;
  const install = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`the bench needs buildah (missing); installing it needs root. Run as root:\n  ${install}`);
  }
  console.error('kiln bench: installing buildah from Debian (missing)…');
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { env: aptEnv, stdio: ['ignore', 2, 2] });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const run = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], { env: aptEnv, stdio: ['ignore', 2, 2] });
  if (run.status !== 0) throw new Error(`apt-get install ${PACKAGES.join(' ')} failed`);
  if (!have('buildah')) throw new Error('buildah is still missing after apt-get install');
}

/**
 * What the export bench (`npm run bench -- export`) runs beside Kiln: qemu-img (qemu-utils),
 * skopeo and Debian's docker-registry. `npm test`'s scripts install them too; this installs
 * the missing ones (root) or says which command would.
 */
const EXPORT_TOOLS = [['qemu-img', 'qemu-utils'], ['skopeo', 'skopeo'], ['docker-registry', 'docker-registry']];

export function ensureExportBenchDeps() {
  const missing = EXPORT_TOOLS.filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const install = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`the export bench needs ${missing.join(', ')} (missing); installing needs root. Run as root:\n  ${install}`);
  }
  console.error(`kiln bench: installing ${missing.join(', ')} from Debian (missing)…`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  if (spawnSync('apt-get', ['update'], { env: aptEnv, stdio: ['ignore', 2, 2] }).status !== 0) throw new Error('apt-get update failed');
  if (spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env: aptEnv, stdio: ['ignore', 2, 2] }).status !== 0) {
    throw new Error(`apt-get install ${missing.join(' ')} failed`);
  }
  const still = EXPORT_TOOLS.filter(([cmd]) => !have(cmd)).map(([cmd]) => cmd);
  if (still.length > 0) throw new Error(`${still.join(', ')} still missing after apt-get install`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureBenchDeps();
  } catch (err) {
    console.error(`kiln bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
