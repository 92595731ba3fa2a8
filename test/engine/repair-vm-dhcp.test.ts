import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseResults, repairScript, selectItems } from '../../src/engine/repair/script.js';

/*
 * Review of issue 10: GUESTOS.Dhcp on an image with a kernel whose .network file enables DHCP
 * but which has no systemd-networkd (a leftover file, another init system) must answer NOT
 * REPAIRED, not end the script with an error (which fails the whole build with RepairFailed).
 * The item runs as root in a chroot of static busybox (the image), seconds at most.
 */

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'kiln-repair-dhcp-'));
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'dev', 'tmp', 'boot', 'etc/systemd/network']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox', join(root, 'bin/busybox'));
  execFileSync('chroot', [root, '/bin/busybox', '--install', '-s']);
  execFileSync('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);
  writeFileSync(join(root, 'boot/vmlinuz-6.1.0-1-test'), '');
  writeFileSync(join(root, 'etc/systemd/network/10-eth.network'), '[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n');
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a .network file with DHCP but no systemd-networkd is NOT REPAIRED, and the script goes on', () => {
  writeFileSync(join(root, 'tmp/repair.sh'), repairScript(selectItems(['GUESTOS.Dhcp', 'GUESTOS.Fstab'])));
  const r = spawnSync('chroot', [root, '/bin/sh', '/tmp/repair.sh'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [dhcp, fstab] = parseResults(r.stdout);
  assert.deepEqual(dhcp, { item: 'GUESTOS.Dhcp', status: 'NOT REPAIRED', detail: '/etc/systemd/network/10-eth.network enables DHCP, but systemd-networkd is not installed (no systemd-networkd.service): nothing configures the NIC at boot' });
  assert.equal(fstab?.item, 'GUESTOS.Fstab');
  assert.ok(!existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/systemd-networkd.service')), 'no link to nothing');
});
