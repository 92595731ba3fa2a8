import { loadConfig } from '../config/config.js';
import { createAccessKey, createAccount } from '../auth/accounts.js';
import { banner } from '../cli/banner.js';
import { call } from '../cli/call.js';
import { gcCommand } from '../cli/gc.js';
import { imagesImport } from '../cli/images-import.js';
import { logs } from '../cli/logs.js';
import { exitQuietlyOnClosedPipe, exitWhenFlushed } from '../cli/stdio.js';
import { createStore } from '../store/create-store.js';
import { serve } from './serve.js';
import { boot } from './boot.js';
import { secureDataDir } from './data-dir.js';
import { startWorkers } from './workers.js';

const USAGE = `usage: kiln <command>
  serve                         run Kiln in the foreground: the API and KILN_WORKERS build workers
  worker                        run build workers only, against the same database (KILN_DATABASE_URL)
  call <Action> [Name=value…]   call a running Kiln, signed with the default key
  logs [-f] <ExecutionId>       print a build's output; -f follows it to the end
  accounts create [--name N]    add an account; prints its id and first AccessKey
  accounts list                 list accounts
  keys create --account ID      add an AccessKey to an account
  images import <file> --name N [--region R] [--account ID] [--family F] [--description D]
                                import a rootfs tarball (plain or gzip) or an OCI image layout archive
                                as an image; prints its ImageId
  gc [--grace-ms N] [--max-cache-bytes N]
                                collect garbage now: evict step cache entries past the size bound
                                (least recently used first), delete blobs and layers nothing references
Configuration: KILN_HOST, KILN_PORT, KILN_DATA_DIR, KILN_DATABASE_URL, KILN_ACCESS_KEY_ID,
KILN_ACCESS_KEY_SECRET, KILN_REGIONS, KILN_PIPELINE_QUOTA, KILN_COMPONENT_QUOTA, KILN_WORKERS, KILN_LEASE_MS,
KILN_IMAGE_ALIASES, KILN_OSS_*, KILN_CACHE_MAX_BYTES, KILN_GC_GRACE_MS, KILN_GC_INTERVAL_MS, KILN_CONFIG (JSON file).`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

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
  switch (command) {
    case 'serve': {
      const config = loadConfig();
      const running = await serve(config);
      console.log(banner(running, config));
      const stop = async () => {
        await running.stop();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return new Promise<number>(() => {});
    }
    case 'worker': {
      const config = loadConfig();
      const { app, credentials } = await boot(config);
      const count = Math.max(1, config.workers);
      const running = startWorkers(app, count, (msg, err) => console.error(`kiln worker: ${msg}`, err), credentials.accountId);
      console.log(`Kiln worker(s) started: ${running.workers.map((w) => w.id).join(', ')} (lease ${config.leaseMs} ms)`);
      const stop = async () => {
        await running.stop();
        await app.store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return new Promise<number>(() => {});
    }
    case 'call':
      return call(loadConfig(), [sub, ...rest].filter((x): x is string => x !== undefined));
    case 'logs':
      return logs(loadConfig(), [sub, ...rest].filter((x): x is string => x !== undefined));
    case 'accounts':
      if (sub === 'create') {
        return withStore(async (store, config) => {
          const name = flag(rest, '--name');
          const { account, accessKey } = await createAccount(store, config.regions.map((r) => r.regionId), name ? { name } : {});
          console.log(JSON.stringify({ AccountId: account.id, Name: account.name, AccessKeyId: accessKey.id, AccessKeySecret: accessKey.secret }, null, 2));
          return 0;
        });
      }
      if (sub === 'list') {
        return withStore(async (store) => {
          for (const a of await store.accounts.list()) console.log(`${a.id}\t${a.name}\t${a.creationTime}`);
          return 0;
        });
      }
      break;
    case 'gc':
      return withStore((store, config) => gcCommand(store, config, [sub, ...rest].filter((a): a is string => a !== undefined)));
    case 'images':
      if (sub === 'import') return imagesImport(loadConfig(), rest);
      break;
    case 'keys':
      if (sub === 'create') {
        const accountId = flag(rest, '--account');
        if (!accountId) break;
        return withStore(async (store) => {
          const key = await createAccessKey(store, accountId);
          console.log(JSON.stringify({ AccountId: accountId, AccessKeyId: key.id, AccessKeySecret: key.secret }, null, 2));
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
    console.error(`kiln: ${err instanceof Error ? err.message : String(err)}`);
    return exitWhenFlushed(1);
  },
);
