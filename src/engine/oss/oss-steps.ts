import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { StoredObject } from '../../oss/object-store.js';
import { StepCancelled, StepFailure } from '../build/step-failure.js';
import type { PlanStep } from '../plan/steps.js';
import { MAX_PUT_BYTES, objectTooLarge, ossNotConfigured, storeFailure, withScratch, type OssAccess } from './oss-access.js';

type OssDownload = Extract<PlanStep, { op: 'ossDownload' }>;
type OssUpload = Extract<PlanStep, { op: 'ossUpload' }>;

/** What an OSS step needs of the step runner. */
export interface OssStepContext {
  /** Undefined when this Kiln has no object store (the step then fails with `OSS.NotConfigured`). */
  oss: OssAccess | undefined;
  /** Binds `{{ task.stdout }}` references, as for commands. */
  resolve(text: string): string;
  /**
   * Runs one command on the instance like any step (limits, timeout, cancellation, failure
   * codes with the line). `keep`: its changes become the step's layer. `stdout`, when given,
   * receives the command's output instead of the build log.
   */
  exec(argv: string[], over: { user: string; env: string[]; stdin?: Readable; stdout?: (chunk: Buffer) => void }, keep: boolean): Promise<unknown>;
  log(stream: 'system', text: string): void;
  signal: AbortSignal;
}

/*
 * The engine moves the bytes on the host (OSS is reached over the cloud's internal network, so
 * these work on instances without internet); the instance only sees a pipe. Going through a
 * command in the instance, not writing into its layers from the host, keeps the instance's own
 * view of paths: symlinks resolve inside it, /tmp is its /tmp, the system disk's size applies.
 * The command runs as root, as the cloud's agent does, whatever USER says.
 */

/** The object keeps its last name segment in `destinationDir`, as `ossutil cp` does; the size is checked so a cut transfer fails the step. */
const DOWNLOAD_SCRIPT = 'mkdir -p "$KILN_DEST" && rm -f "$KILN_DEST/$KILN_NAME" && cat > "$KILN_DEST/$KILN_NAME"'
  + ' && { [ -z "$KILN_SIZE" ] || [ "$(($(wc -c < "$KILN_DEST/$KILN_NAME")))" = "$KILN_SIZE" ]; }';

/**
 * Prints the file's size on a line of its own, then, unless that is more than `KILN_MAX`, that
 * many bytes of it. The size is the file's logical size (`stat`, or `ls` where busybox has no
 * `stat -c`): a sparse file is refused without reading it, and `head -c` never sends more than
 * was announced, however the file grows meanwhile.
 */
const UPLOAD_SCRIPT = '[ -f "$KILN_FILE" ] || { echo "OSSUpload: $KILN_FILE is not a file on the instance" >&2; exit 66; }; '
  + 'size=$(stat -L -c %s -- "$KILN_FILE" 2>/dev/null) || size=$(set -- $(ls -lnLd -- "$KILN_FILE") && echo "$5"); '
  + 'printf "%s\\n" "$size"; [ "$size" -le "$KILN_MAX" ] || exit 0; exec head -c "$size" -- "$KILN_FILE"';

/** The size line `UPLOAD_SCRIPT` prints first is at most this long. */
const SIZE_LINE_BYTES = 24;

/** OSSDownload: the object becomes `<destinationDir>/<last segment of objectName>` in the step's layer. */
export async function runOssDownload(step: OssDownload, ctx: OssStepContext): Promise<void> {
  if (!ctx.oss) throw ossNotConfigured(`${step.where}: OSSDownload`);
  const bucket = ctx.resolve(step.bucket);
  const object = ctx.resolve(step.object);
  const dest = ctx.resolve(step.destinationDir);
  const name = posix.basename(object);
  const prefix = `${step.where}: OSSDownload: `;
  if (name === '' || object.endsWith('/')) {
    throw new StepFailure('InvalidParameter.ObjectName', `${prefix}objectName "${object}" names a folder, not an object.`);
  }
  let fetched: StoredObject;
  try {
    fetched = await ctx.oss.store.get(bucket, object, ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) throw new StepCancelled();
    throw storeFailure(err, prefix);
  }
  let cut: Error | undefined;
  fetched.body.on('error', (err: Error) => {
    cut ??= err;
  });
  const env = [`KILN_DEST=${dest}`, `KILN_NAME=${name}`, `KILN_SIZE=${fetched.size ?? ''}`];
  const failedRead = () => new StepFailure('OSS.Unavailable', `${prefix}reading oss://${bucket}/${object} from ${ctx.oss!.store.endpoint} failed: ${cut!.message}`);
  try {
    await ctx.exec(['/bin/sh', '-c', DOWNLOAD_SCRIPT], { user: 'root', env, stdin: fetched.body }, true);
  } catch (err) {
    if (cut && err instanceof StepFailure) throw failedRead();
    throw err;
  } finally {
    fetched.body.destroy();
  }
  if (cut) throw failedRead();
  ctx.log('system', `OSSDownload: oss://${bucket}/${object} → ${posix.join(dest, name)}${fetched.size !== undefined ? ` (${fetched.size} bytes)` : ''}\n`);
}

/** OSSUpload: reads `fileToUpload` out of the instance as it is now and writes it to the object. */
export async function runOssUpload(step: OssUpload, ctx: OssStepContext): Promise<void> {
  const oss = ctx.oss;
  if (!oss) throw ossNotConfigured(`${step.where}: OSSUpload`);
  const bucket = ctx.resolve(step.bucket);
  const object = ctx.resolve(step.object);
  const file = ctx.resolve(step.file);
  const prefix = `${step.where}: OSSUpload: `;
  const maxBytes = Math.min(MAX_PUT_BYTES, oss.maxObjectBytes);
  await withScratch(oss, async (dir) => {
    const copy = join(dir, 'upload');
    const received = new AnnouncedFile(copy, maxBytes);
    try {
      await ctx.exec(['/bin/sh', '-c', UPLOAD_SCRIPT], { user: 'root', env: [`KILN_FILE=${file}`, `KILN_MAX=${maxBytes}`], stdout: received.add }, false);
    } catch (err) {
      if (err instanceof StepFailure && err.code === 'BuildCommandFailed') {
        throw new StepFailure('OSSUpload.FileNotFound', `${prefix}${file} is not a readable file on the instance.`);
      }
      throw err;
    } finally {
      received.close();
    }
    const { announced, size, writeError } = received;
    if (writeError) throw new StepFailure('OSS.RequestFailed', `${prefix}keeping ${file} on the host for the upload failed: ${writeError.message}`);
    if (announced !== undefined && announced > maxBytes) {
      const why = maxBytes === MAX_PUT_BYTES ? 'one PutObject request may carry' : 'this Kiln moves through the host (KILN_OSS_MAX_OBJECT_BYTES)';
      throw objectTooLarge(prefix, `${file} (sparse files count at their full size)`, announced, maxBytes, why);
    }
    if (announced === undefined || size !== announced) {
      throw new StepFailure('OSS.RequestFailed', `${prefix}${file} changed while it was read (${size} of the ${announced ?? '?'} bytes it held arrived); nothing was uploaded.`);
    }
    try {
      await oss.store.put(bucket, object, createReadStream(copy), size, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) throw new StepCancelled();
      throw storeFailure(err, prefix);
    }
    ctx.log('system', `OSSUpload: ${file} → oss://${bucket}/${object} (${size} bytes)\n`);
  });
}

/**
 * What the upload script sends, kept in a host file: a line with the file's size, then at most
 * that many bytes (none when the size is over `maxBytes`). `add` is the step's stdout listener and
 * must not throw (that stops the step): a failure is kept in `writeError` and reported after.
 */
class AnnouncedFile {
  size = 0;
  /** The size the instance announced (undefined until its line arrived). */
  announced: number | undefined;
  writeError: Error | undefined;
  private head = Buffer.alloc(0);
  private readonly fd: number;

  constructor(path: string, private readonly maxBytes: number) {
    this.fd = openSync(path, 'w', 0o600);
  }

  readonly add = (chunk: Buffer): void => {
    if (this.writeError) return;
    let data = chunk;
    if (this.announced === undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      const eol = this.head.indexOf(0x0a);
      if (eol < 0) {
        if (this.head.length > SIZE_LINE_BYTES) this.writeError = new Error('the instance did not say the size of the file');
        return;
      }
      const line = this.head.subarray(0, eol).toString('latin1');
      if (!/^\d{1,20}$/.test(line)) {
        this.writeError = new Error(`the instance said the size of the file is ${JSON.stringify(line.slice(0, SIZE_LINE_BYTES))}`);
        return;
      }
      this.announced = Number(line);
      data = this.head.subarray(eol + 1);
    }
    if (this.announced > this.maxBytes) return; // refused by the caller; the instance sends nothing more
    if (this.size + data.length > this.announced) {
      this.writeError = new Error(`the file sent more than the ${this.announced} bytes it holds`);
      return;
    }
    try {
      writeSync(this.fd, data);
      this.size += data.length;
    } catch (err) {
      this.writeError = err as Error;
    }
  };

  close(): void {
    closeSync(this.fd);
  }
}
