import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isKilnError } from '../../src/domain/errors.js';
import { cmdUnit, execStart, systemdWord } from '../../src/engine/export/boot/cmd-unit.js';
import { rewriteFstab } from '../../src/engine/export/boot/fstab.js';
import { kernelCmdline } from '../../src/engine/export/boot/kernel-cmdline.js';
import { compareVersions } from '../../src/engine/export/boot/kernel.js';

/*
 * Issue 10, part B, unit tests of the bootable export's texts: kiln-cmd.service from an image
 * config (golden file: systemd quoting of ExecStart= and Environment=, PATH lookup through env,
 * User/Group, WorkingDirectory), refusals of configs that cannot be written safely, the kernel
 * command line, fstab's rewrite, and the order of kernel versions.
 */

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');
const refusedWith = (re: RegExp) => (err: unknown) => isKilnError(err) && err.code === 'ExportImageFailed' && re.test(err.message);

describe('kiln-cmd.service', () => {
  test('golden: Entrypoint + Cmd with quotes, $, %, ; and control characters, Env, WorkingDir with a space, User uid:gid', () => {
    const unit = cmdUnit({
      Entrypoint: ['python3', '-c'], Cmd: ['print("${HOME}")', '%n', ';', '\\x', 'tab\there'],
      Env: ['PATH=/opt/app/bin:/usr/bin:/bin', 'MOTTO=say "hi"\\n at 100% for $HOME', 'MULTI=line1\nline2', 'bad-name=dropped', '1X=dropped', 'NOEQUALS'],
      WorkingDir: '/opt/my app', User: 'app:1000',
    });
    assert.equal(unit, golden('kiln-cmd.service'));
  });

  test('no Entrypoint nor Cmd: no unit; root and an absolute program: no User=, no env', () => {
    assert.equal(cmdUnit({ Env: ['A=b'] }), undefined);
    const unit = cmdUnit({ Cmd: ['/usr/bin/app', 'a=b'], User: 'root', WorkingDir: '' })!;
    assert.match(unit, /^ExecStart="\/usr\/bin\/app" "a=b"$/m);
    assert.doesNotMatch(unit, /^(User|Group|WorkingDirectory)=/m);
  });

  test('a program with = in its name is not given to env (it would take it for a variable)', () => {
    assert.equal(execStart(['a=b', 'x']), '"a=b" "x"');
    assert.equal(execStart(['-rf']), '/usr/bin/env -- "-rf"');
  });

  test('systemdWord: one quoted word whatever the text', () => {
    assert.equal(systemdWord('a b', true), '"a b"');
    assert.equal(systemdWord('$X %i "q" \\', true), '"$$X %%i \\"q\\" \\\\"');
    assert.equal(systemdWord('$X', false), '"$X"');
    assert.equal(systemdWord('\u0001\u007f\r', false), '"\\x01\\x7f\\x0d"');
  });

  test('refused: a relative or multi-line WorkingDir, a User systemd does not take', () => {
    assert.throws(() => cmdUnit({ Cmd: ['x'], WorkingDir: 'srv' }), refusedWith(/WorkingDir "srv" is not an absolute path/));
    assert.throws(() => cmdUnit({ Cmd: ['x'], WorkingDir: '/srv\nExecStartPre=/bin/evil' }), refusedWith(/WorkingDir/));
    assert.throws(() => cmdUnit({ Cmd: ['x'], User: 'a b' }), refusedWith(/User "a b"/));
    assert.throws(() => cmdUnit({ Cmd: ['x'], User: 'a:b:c' }), refusedWith(/User "a:b:c"/));
    assert.throws(() => cmdUnit({ Cmd: ['x'], User: 'app\nExecStartPre=/bin/evil' }), refusedWith(/User/));
  });
});

describe('the kernel command line', () => {
  const uuid = '863247df-41e6-4468-ade7-a44347d04e6e';
  test('root=UUID ro first, the image\'s words after, its own root=, ro and rw dropped', () => {
    assert.equal(kernelCmdline(uuid, 'root=/dev/sda1 rw quiet  console=ttyS0\n\nro splash\n'), `root=UUID=${uuid} ro quiet console=ttyS0 splash`);
  });
  test('absent: the two consoles; words with control characters dropped', () => {
    assert.equal(kernelCmdline(uuid, undefined), `root=UUID=${uuid} ro console=tty0 console=ttyS0,115200n8`);
    assert.equal(kernelCmdline(uuid, 'a\u0000b quiet'), `root=UUID=${uuid} ro quiet`);
  });
  test('longer than the kernel takes: refused', () => {
    assert.throws(() => kernelCmdline(uuid, 'x'.repeat(3000)), refusedWith(/more than the kernel's 2047/));
  });
});

describe('fstab', () => {
  const ids = { rootUuid: 'r-uuid', bootUuid: 'ABCD-1234' };
  test('/ and /boot/efi replaced in place (trailing slash, escapes and duplicates too), other lines kept', () => {
    const text = '# comment\n/dev/sda1 / ext4 rw 0 1\nproc /proc proc defaults 0 0\n/dev/sda9 /boot/efi/ vfat defaults 0 2\n/dev/sdb1 / xfs defaults 0 0\n/dev/sdc1 /data\\040disk ext4 defaults 0 2\n';
    assert.equal(rewriteFstab(text, ids), '# comment\nUUID=r-uuid / ext4 defaults,errors=remount-ro 0 1\nproc /proc proc defaults 0 0\nUUID=ABCD-1234 /boot/efi vfat umask=0077,nofail 0 2\n/dev/sdc1 /data\\040disk ext4 defaults 0 2\n');
  });
  test('absent or without them: both added', () => {
    assert.equal(rewriteFstab(undefined, ids), '# Kiln: the disk\'s file systems by UUID (a bootable export)\nUUID=r-uuid / ext4 defaults,errors=remount-ro 0 1\nUUID=ABCD-1234 /boot/efi vfat umask=0077,nofail 0 2\n');
  });
});

describe('kernel versions', () => {
  test('numbers compare as numbers', () => {
    const sorted = ['6.10.1-1-amd64', '6.1.0-57-cloud-amd64', '6.1.0-9-cloud-amd64', '5.10.0-30-amd64'].sort(compareVersions);
    assert.deepEqual(sorted, ['5.10.0-30-amd64', '6.1.0-9-cloud-amd64', '6.1.0-57-cloud-amd64', '6.10.1-1-amd64']);
  });
});
