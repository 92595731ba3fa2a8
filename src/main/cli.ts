import { loadConfig } from '../config/config.js';
import { settingsUsage } from '../config/doc.js';
import { createAccessKey, createAccount } from '../auth/accounts.js';
import { nonNegativeInt, parseCommand, UsageError } from '../cli/args.js';
import { call } from '../cli/call.js';
import { gcCommand, gcOptions } from '../cli/gc.js';
import { imagesBoot } from '../cli/images-boot.js';
import { imagesExport } from '../cli/images-export.js';
import { imagesImport } from '../cli/images-import.js';
import { imagesPull } from '../cli/images-pull.js';
import { imagesPush } from '../cli/images-push.js';
import { logs } from '../cli/logs.js';
import { exitQuietlyOnClosedPipe, exitWhenFlushed } from '../cli/stdio.js';
import { createStore } from '../store/create-store.js';
import { runServe } from './cluster/run-serve.js';
import { wakeWorkersOnQueueSignal } from './queue-wake.js';
import { bootWorker } from './worker-boot.js';
import { secureDataDir } from './data-dir.js';
import { startWorkers } from './workers.js';
import { processLogger, storeMetrics, workerLogs } from './observability.js';
import { listenWorkerProbes } from './worker-listener.js';

const USAGE = `usage: kiln <command>   (kiln --help: this text)
  serve [--api-processes N]     run Kiln in the foreground: the API in N processes on one port (KILN_API_PROCESSES;
                                default one per core), KILN_WORKERS build workers and as many task workers
  worker                        run build and task workers only, against the same database (KILN_DATABASE_URL)
  call <Action> [Name=value…]   call a running Kiln, signed with the default key
  logs [-f] <ExecutionId>       print a build's output; -f follows it to the end
  accounts create [--name N]    add an account; prints its id and first AccessKey
  accounts list                 list accounts
  keys create --account ID      add an AccessKey to an account
  keys disable|enable <AccessKeyId>
                                refuse (or accept again) every request signed with that key, on every
                                Kiln process of the database within 1 s
  images import <file> --name N [--format raw|qcow2|vhd|vmdk|vdi] [--region R] [--account ID] [--family F] [--description D]
                                import a rootfs tarball (plain or gzip), an OCI image layout archive or
                                a disk image (its root file system) as an image; prints its ImageId
  images export <ImageId> --format oci|docker|rootfs|raw|qcow2|vhd|vmdk|vdi -o FILE [--region R] [--account ID] [--tag NAME:TAG]
                                write an image of the account (or shared with it) to FILE: an OCI layout or
                                docker-load archive, the root filesystem tar, or a disk (GPT + ext4, no bootloader)
  images boot <ImageId> [--boot-mode BIOS|UEFI] [--timeout S] [--check] [--disk-size GiB] [--accel auto|kvm|tcg] [--region R] [--account ID]
                                boot an image with a kernel in QEMU (its raw export), the serial console on the
                                terminal; --check waits for the guest's boot report, checks it and powers off
  images push <ImageId> <registry>/<repository>:<tag> [--region R] [--account ID] [--insecure]
              [--authfile F] [--username U --password-stdin]
                                push an image to a registry (OCI distribution API; https unless
                                --insecure; credentials from ~/.docker/config.json, --authfile or flags)
  images pull <registry>/<repository>:<tag>|@<digest> --name N [--region R] [--account ID]
              [--family F] [--description D] [--insecure] [--authfile F] [--username U --password-stdin]
                                pull an image (OCI or Docker, linux/amd64 of an index) into the
                                account's images; prints its ImageId
  gc [--grace-ms N] [--max-cache-bytes N]
                                collect garbage now: evict step cache entries past the size bound
                                (least recently used first), delete blobs and layers nothing references

${settingsUsage()}`;

/** The usage line of each command with flags or arguments (the first lines of USAGE say the same). */
const COMMAND_USAGE = {
  serve: 'usage: kiln serve [--api-processes N]',
  worker: 'usage: kiln worker',
  accountsCreate: 'usage: kiln accounts create [--name N]',
  accountsList: 'usage: kiln accounts list',
  keysCreate: 'usage: kiln keys create --account ID',
  keysStatus: 'usage: kiln keys disable|enable <AccessKeyId>',
};

const text = { type: 'string' } as const;

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof createStore>>, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  secureDataDir(config.dataDir);
  const store = await createStore({ dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const all = argv.slice(1);
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    case 'serve': {
      const flags = parseCommand('serve', COMMAND_USAGE.serve, all, { 'api-processes': text }).values;
      const apiProcesses = nonNegativeInt('serve', COMMAND_USAGE.serve, '--api-processes', flags['api-processes']);
      return runServe(loadConfig(apiProcesses === undefined ? process.env : { ...process.env, KILN_API_PROCESSES: String(apiProcesses) }));
    }
    case 'worker': {
      parseCommand('worker', COMMAND_USAGE.worker, all, {});
      const config = loadConfig();
      const { app, defaultAccountId, health } = await bootWorker(config);
      const count = Math.max(1, config.workers);
      // JSON lines on stdout as kiln serve's, each naming its execution or task (KILN_LOG_LEVEL, KILN_LOG_FORMAT).
      const logs = workerLogs(processLogger(config));
      // KILN_WORKER_LISTEN: probes and this process's counts (the queue gauges read from the database, as the API's);
      // no port otherwise. It listens before any claim, so a taken port stops the start without leaving a build behind.
      const metrics = config.workerListen ? storeMetrics(app) : undefined;
      const probes = config.workerListen ? await listenWorkerProbes(config.workerListen, config, health, metrics) : undefined;
      const running = startWorkers(app, count, logs.log, defaultAccountId, { ...(metrics ? { telemetry: metrics.telemetry } : {}), info: logs.info });
      // PostgreSQL: a Start on any API process wakes these workers at once (LISTEN/NOTIFY).
      const wake = wakeWorkersOnQueueSignal(config, running);
      console.log(`Kiln worker(s) started: ${running.workers.map((w) => w.id).join(', ')} (lease ${config.leaseMs} ms)`);
      if (probes) console.log(`Kiln worker probes on ${probes.endpoint}: /healthz, /readyz${metrics ? ', /metrics' : ''}`);
      const stop = async () => {
        probes?.drain();
        await wake?.close();
        await running.stop();
        await probes?.close();
        await app.store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return new Promise<number>(() => {});
    }
    case 'call':
      return call(loadConfig(), all);
    case 'logs':
      return logs(loadConfig(), all);
    case 'accounts':
      if (sub === 'create') {
        const { name } = parseCommand('accounts create', COMMAND_USAGE.accountsCreate, rest, { name: text }).values;
        return withStore(async (store, config) => {
          const { account, accessKey } = await createAccount(store, config.regions.map((r) => r.regionId), name ? { name } : {});
          console.log(JSON.stringify({ AccountId: account.id, Name: account.name, AccessKeyId: accessKey.id, AccessKeySecret: accessKey.secret }, null, 2));
          return 0;
        });
      }
      if (sub === 'list') {
        parseCommand('accounts list', COMMAND_USAGE.accountsList, rest, {});
        return withStore(async (store) => {
          for (const a of await store.accounts.list()) console.log(`${a.id}\t${a.name}\t${a.creationTime}`);
          return 0;
        });
      }
      break;
    case 'gc': {
      const options = gcOptions(all);
      return withStore((store, config) => gcCommand(store, config, options));
    }
    case 'images':
      // Its flags are checked (parseArgs) before anything is opened.
      if (sub === 'import') return imagesImport(loadConfig(), rest);
      if (sub === 'export') return imagesExport(loadConfig(), rest);
      if (sub === 'boot') return imagesBoot(loadConfig(), rest);
      if (sub === 'push') return imagesPush(loadConfig(), rest);
      if (sub === 'pull') return imagesPull(loadConfig(), rest);
      break;
    case 'keys':
      if (sub === 'create') {
        const accountId = parseCommand('keys create', COMMAND_USAGE.keysCreate, rest, { account: text }).values.account;
        if (!accountId) throw new UsageError('kiln keys create: --account is required', COMMAND_USAGE.keysCreate);
        return withStore(async (store) => {
          const key = await createAccessKey(store, accountId);
          console.log(JSON.stringify({ AccountId: accountId, AccessKeyId: key.id, AccessKeySecret: key.secret }, null, 2));
          return 0;
        });
      }
      if (sub === 'disable' || sub === 'enable') {
        const keyId = parseCommand(`keys ${sub}`, COMMAND_USAGE.keysStatus, rest, {}, 1).positionals[0];
        if (!keyId) throw new UsageError(`kiln keys ${sub}: an AccessKeyId is required`, COMMAND_USAGE.keysStatus);
        return withStore(async (store) => {
          if (!(await store.accessKeys.setStatus(keyId, sub === 'disable' ? 'Inactive' : 'Active'))) throw new Error(`AccessKey ${keyId} does not exist`);
          console.log(JSON.stringify({ AccessKeyId: keyId, Status: sub === 'disable' ? 'Inactive' : 'Active' }, null, 2));
          return 0;
        });
      }
      break;
    default:
      break;
  }
  console.error(USAGE);
  return 2;
}

// Output piped into `head` and the like: see cli/stdio.ts. The exit waits for piped output to be flushed.
exitQuietlyOnClosedPipe();
main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${err.usage}\n(kiln --help lists every command and setting)`);
      return exitWhenFlushed(2);
    }
    console.error(`kiln: ${err instanceof Error ? err.message : String(err)}`);
    return exitWhenFlushed(1);
  },
);
