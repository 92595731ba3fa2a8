import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TerminalFilter, plainLine } from '../../src/engine/vm/console-text.js';
import { type ConsoleEvent, ConsoleWatcher } from '../../src/engine/vm/console-watcher.js';

/* The console watcher on fake console text: the report line, the signs of a failed boot, bounded memory; the terminal filter. */

const REPORT = 'KILN-BOOT-REPORT v1 target=multi-user.target ipv4=10.0.2.15/24 root_bytes=1 disk_bytes=2 growroot=unsupported cmd=none';

function watch(chunks: string[], options: { maxLines?: number; maxLineChars?: number } = {}) {
  const events: ConsoleEvent[] = [];
  const watcher = new ConsoleWatcher({ ...options, onEvent: (e) => events.push(e) });
  for (const c of chunks) watcher.feed(c);
  return { events, watcher };
}

describe('ConsoleWatcher', () => {
  test('the report line, split across chunks, after systemd\'s coloured lines and with CRLF, is parsed', () => {
    const { events, watcher } = watch(['\x1b[0;32m  OK  \x1b[0m] Reached target multi-user.target.\r\n', 'KILN-BOOT-', `${REPORT.slice(10)}\r`, '\n', 'vm login: ']);
    assert.equal(events.length, 1);
    const [e] = events;
    assert.ok(e?.kind === 'reported' && 'report' in e);
    assert.equal(e.report.ipv4?.address, '10.0.2.15');
    assert.deepEqual(watcher.lastLines(), ['  OK  ] Reached target multi-user.target.', REPORT, 'vm login: ']);
  });

  test('a report line written over a redrawn status line (carriage return) is found; a malformed one is an error event', () => {
    const { events } = watch([`[  ***] A start job is running\r${REPORT}\r\n`, 'KILN-BOOT-REPORT v1 target=multi-user.target\n']);
    assert.equal(events.length, 2);
    const [good, bad] = events as Extract<ConsoleEvent, { kind: 'reported' }>[];
    assert.ok(good && 'report' in good);
    assert.ok(bad && 'error' in bad);
    assert.match(bad.error, /lacks ipv4/);
  });

  test('the marker inside a line (a journal line quoting it) is not a report', () => {
    const { events } = watch([`[   12.5] kiln-cmd[301]: echo ${REPORT}\n`]);
    assert.deepEqual(events, []);
  });

  test('a kernel panic, emergency mode (both messages), an initramfs shell (its prompt has no newline)', () => {
    const kinds = (chunks: string[]) => watch(chunks).events.map((e) => e.kind);
    assert.deepEqual(kinds(['[    2.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n']), ['panic']);
    assert.deepEqual(kinds(['You are in emergency mode. After logging in, type "journalctl -xb"\n']), ['emergency-mode']);
    assert.deepEqual(kinds(['Cannot open access to console, the root account is locked.\n']), ['emergency-mode']);
    assert.deepEqual(kinds(['ALERT!  UUID=1234 does not exist.  Dropping to a shell!\n']), ['initramfs-shell']);
    const prompt = watch(['BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) built-in shell (ash)\n', '(initramfs) ']);
    assert.deepEqual(prompt.events.map((e) => e.kind), ['initramfs-shell']);
    assert.equal(prompt.watcher.lastLines().at(-1), '(initramfs) ');
  });

  test('memory stays bounded: the last maxLines lines, a line without end cut at maxLineChars', () => {
    const { watcher } = watch([...Array.from({ length: 1000 }, (_, i) => `line ${i}\n`), 'x'.repeat(100_000), 'y'.repeat(100_000)], { maxLines: 50, maxLineChars: 100 });
    const lines = watcher.lastLines();
    assert.equal(lines.length, 51);
    assert.equal(lines[0], 'line 950');
    assert.equal(lines.at(-1), 'x'.repeat(100));
    watcher.feed('\nafter\n');
    assert.deepEqual(watcher.lastLines().slice(-2), ['x'.repeat(100), 'after']);
  });

  test('end() makes the unfinished line a line (and checks it)', () => {
    const { events, watcher } = watch(['Kernel panic - not syncing: VFS']);
    assert.equal(events.length, 0);
    watcher.end();
    assert.deepEqual(events.map((e) => e.kind), ['panic']);
  });
});

describe('console text', () => {
  test('plainLine drops escape sequences and control characters, keeps what a redraw leaves last', () => {
    assert.equal(plainLine('\x1b]0;title\x07\x1b[1;31mred\x1b[0m\x07\x00 text'), 'red text');
    assert.equal(plainLine('old status\rnew status\r'), 'new status');
  });

  test('TerminalFilter keeps colours and newlines, drops other escapes, holds a sequence split across chunks', () => {
    const f = new TerminalFilter();
    assert.equal(f.write('\x1b[0;32m OK \x1b[0m\r\n'), '\x1b[0;32m OK \x1b[0m\r\n');
    assert.equal(f.write('a\x1b]2;pwned\x07b\x1b[2Jc\x1bcd\x07\x08e'), 'abcde');
    assert.equal(f.write('x\x1b[0;3'), 'x');
    assert.equal(f.write('1mred'), '\x1b[0;31mred');
  });

  test('the C1 controls a guest can print as UTF-8 (CSI U+009B, OSC U+009D: a clipboard write) never reach the terminal, a line or a log', () => {
    const osc52 = '\u009d52;c;cHduZWQ=\u0007';
    assert.equal(new TerminalFilter().write(`a\u009b2Jb${osc52}c\n`), 'a2Jb52;c;cHduZWQ=c\n');
    assert.equal(plainLine(`a\u009b2Jb${osc52}c`), 'a2Jb52;c;cHduZWQ=c');
    assert.equal(plainLine('é ü — ✓'), 'é ü — ✓', 'printable text beyond ASCII stays');
  });
});
