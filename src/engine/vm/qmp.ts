import { connect } from 'node:net';

/**
 * Sends one command to QEMU's QMP monitor on `socketPath` (after the capabilities handshake)
 * and resolves when QEMU answers it; rejects on an error answer, a closed socket, or after
 * `timeoutMs`. Answers are read line by line, bounded (QEMU's are small).
 */
export function qmpCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buffered = '';
    let step = 0;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`QMP: no answer to ${command} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`QMP: the monitor closed before answering ${command}`)));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 1 << 20) return finish(new Error('QMP: answer too long'));
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        let message: { QMP?: unknown; return?: unknown; error?: { desc?: string } };
        try {
          message = JSON.parse(buffered.slice(0, nl));
        } catch {
          return finish(new Error('QMP: an answer that is not JSON'));
        }
        buffered = buffered.slice(nl + 1);
        if (message.error) return finish(new Error(`QMP ${command}: ${message.error.desc ?? 'error'}`));
        if (message.QMP !== undefined && step === 0) {
          step = 1;
          socket.write('{"execute":"qmp_capabilities"}\n');
        } else if (message.return !== undefined && step === 1) {
          step = 2;
          socket.write(`${JSON.stringify({ execute: command })}\n`);
        } else if (message.return !== undefined && step === 2) return finish();
      }
    });
  });
}
