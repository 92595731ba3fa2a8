// Installs the Debian packages only the tests use, when any of them is missing: independent tools
// that read what Kiln writes. Imported by scripts/test.mjs (after ensure-system-deps.mjs).
// - skopeo          (skopeo)          copies images Kiln pushed, reads its OCI and docker archives;
// - registry        (docker-registry) a real OCI distribution registry, started by the tests on loopback;
// - umoci           (umoci)           unpacks an OCI image layout, to compare its tree with the image's;
// - chromium, chromedriver (chromium, chromium-driver) the real browser the console's tests drive
//                                     through playwright-core (never a downloaded browser).
// The registry package ships a service; the tests never use it (they start their own on a free
// port), so the install is told not to start services (policy-rc.d exit 101 for the install only).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:${SBIN_PATH}` };

function have(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null 2>&1', 'sh', cmd], { env }).status === 0;
}

const wanted = [
  ['skopeo', 'skopeo'],
  ['docker-registry', 'docker-registry'],
  ['umoci', 'umoci'],
  ['chromium', 'chromium'],
  ['chromedriver', 'chromium-driver'],
];
const packages = [...new Set(wanted.filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg))];

if (packages.length > 0) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error(`kiln: the tests need ${packages.join(', ')}; as root: apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  console.error(`kiln: installing test tools (${packages.join(', ')})…`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    let r = spawnSync('apt-get', ['install', '-y', ...packages], { env: aptEnv, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { env: aptEnv, stdio: ['ignore', 2, 2] });
      r = spawnSync('apt-get', ['install', '-y', ...packages], { env: aptEnv, stdio: ['ignore', 2, 2] });
    }
    if (r.status !== 0) {
      console.error(`kiln: apt-get install ${packages.join(' ')} failed`);
      process.exit(1);
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}
