/*
 * Run as a child process with a small heap (`node --max-old-space-size=N --import tsx`): extracts
 * a layer of `count` fifos with ~2 KB names, plus long-named directories, generated as it is read
 * (the archive itself is never in memory), and prints one JSON line: `{"ok":true,...}` or the
 * error's name and message. A process that runs out of memory dies before printing.
 */
import { extractLayer } from '../../../src/engine/layers/extract-layer.js';
import { dir, fifo } from '../crafted-tar.js';

const [target, countText] = process.argv.slice(2);
const count = Number(countText);
const deep = Array.from({ length: 7 }, (_, i) => `${i}${'d'.repeat(249)}`).join('/');

function* members(): Generator<Buffer> {
  const parts = deep.split('/');
  for (let i = 1; i <= parts.length; i++) yield dir(parts.slice(0, i).join('/'));
  let batch: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    batch.push(i % 10 === 0 ? dir(`${deep}/${String(i).padStart(8, '0')}${'s'.repeat(200)}`) : fifo(`${deep}/${String(i).padStart(8, '0')}${'f'.repeat(230)}`));
    if (batch.length === 256) {
      yield Buffer.concat(batch);
      batch = [];
    }
  }
  yield Buffer.concat([...batch, Buffer.alloc(1024)]);
}

try {
  const { tarSize } = await extractLayer(members(), target!);
  console.log(JSON.stringify({ ok: true, tarSize, heapUsed: process.memoryUsage().heapUsed }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, name: (err as Error).name, message: (err as Error).message.slice(0, 300) }));
}
