import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBootReport, reportProblems } from '../../src/engine/vm/boot-report.js';
import type { BootReport } from '../../src/engine/vm/types.js';

/* The guest's KILN-BOOT-REPORT v1 line (the Guest contract of issue 10): parsed strictly (the guest is not trusted), then judged. */

const GOOD = 'KILN-BOOT-REPORT v1 target=multi-user.target ipv4=10.0.2.15/24 root_bytes=21339553792 disk_bytes=21474836480 growroot=grown cmd=active';

function parsed(line: string): BootReport {
  const r = parseBootReport(line);
  assert.ok(!('error' in r), `parsed: ${'error' in r ? r.error : ''}`);
  return r;
}

describe('parseBootReport', () => {
  test('a well-formed line: every field typed', () => {
    assert.deepEqual(parsed(GOOD), {
      target: 'multi-user.target', ipv4: { address: '10.0.2.15', prefixLength: 24 }, rootBytes: 21339553792, diskBytes: 21474836480,
      growroot: 'grown', cmd: 'active', line: GOOD,
    });
  });

  test('ipv4=none has no address; unknown extra fields are ignored; trailing blanks and CR are not part of it', () => {
    const r = parsed(`${GOOD.replace('ipv4=10.0.2.15/24', 'ipv4=none')} later=1 \r`);
    assert.equal(r.ipv4, undefined);
    assert.equal(r.cmd, 'active');
  });

  test('malformed lines say what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['KILN-BOOT-REPORT v2 target=multi-user.target', /not a KILN-BOOT-REPORT v1 line/],
      [GOOD.replace(' cmd=active', ''), /lacks cmd/],
      [`${GOOD} cmd=none`, /names cmd twice/],
      [GOOD.replace('ipv4=10.0.2.15/24', 'ipv4=10.0.2.300/24'), /ipv4=10.0.2.300\/24 is neither none nor/],
      [GOOD.replace('ipv4=10.0.2.15/24', 'ipv4=10.0.2.15'), /ipv4=10.0.2.15 is neither/],
      [GOOD.replace('root_bytes=21339553792', 'root_bytes=-1'), /root_bytes=-1 is not a byte count/],
      [GOOD.replace('disk_bytes=21474836480', 'disk_bytes=1e9'), /disk_bytes=1e9 is not a byte count/],
      [GOOD.replace('growroot=grown', 'growroot=maybe'), /growroot=maybe is not one of/],
      [GOOD.replace('cmd=active', 'cmd=running'), /cmd=running is not one of/],
      [GOOD.replace('target=multi-user.target', 'target=$(reboot)'), /is not a systemd target/],
      [`${GOOD} junk`, /without a name=value form: 'junk'/],
    ];
    for (const [line, error] of cases) {
      const r = parseBootReport(line);
      assert.ok('error' in r, `refused: ${line}`);
      assert.match(r.error, error);
    }
  });
});

describe('reportProblems', () => {
  test('a good report has none', () => {
    assert.deepEqual(reportProblems(parsed(GOOD), { grown: true }), []);
  });

  test('another target, no address, an address outside QEMU\'s user net, growroot or cmd failed: each is named', () => {
    assert.deepEqual(reportProblems(parsed(GOOD.replace('target=multi-user.target', 'target=rescue.target'))), ['the guest reached rescue.target, not multi-user.target']);
    assert.match(reportProblems(parsed(GOOD.replace('10.0.2.15/24', 'none'))).join(), /no IPv4 address/);
    assert.match(reportProblems(parsed(GOOD.replace('10.0.2.15/24', '192.168.1.5/24'))).join(), /192\.168\.1\.5 is not in QEMU's user network 10\.0\.2\.0\/24/);
    assert.match(reportProblems(parsed(GOOD.replace('growroot=grown', 'growroot=failed'))).join(), /growing the root filesystem .* failed/);
    assert.match(reportProblems(parsed(GOOD.replace('cmd=active', 'cmd=failed'))).join(), /kiln-cmd\.service\) failed/);
  });

  test('a grown disk: the root must fill it unless growroot is unsupported', () => {
    const small = GOOD.replace('root_bytes=21339553792', 'root_bytes=2000000000').replace('growroot=grown', 'growroot=unchanged');
    assert.match(reportProblems(parsed(small), { grown: true }).join(), /root filesystem \(2000000000 bytes\) did not grow to the disk \(21474836480 bytes\)/);
    assert.deepEqual(reportProblems(parsed(small), { grown: false }), []);
    assert.deepEqual(reportProblems(parsed(small.replace('growroot=unchanged', 'growroot=unsupported')), { grown: true }), []);
  });
});
