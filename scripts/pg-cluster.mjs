// A throwaway PostgreSQL cluster for tests: finds (or installs from Debian) the server
// binaries, initdb's a temporary folder as the `postgres` user, starts it on 127.0.0.1 at a
// free port with trust auth and fsync on, and creates the `kiln_test` database.
//
//   const pg = await startPostgres();   // { url: 'postgres://postgres@127.0.0.1:PORT/kiln_test', stop() }
//   ...
//   await pg.stop();                    // pg_ctl stop -m fast, then the folder is removed
//
// A process exit or SIGINT/SIGTERM/SIGHUP stops a cluster still running, so a crashed test
// run does not leave a server behind. Progress goes to stderr only.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const log = (msg) => process.stderr.write(`pg-cluster: ${msg}\n`);

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasServerBinaries(dir) {
  return isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'));
}

/** Numeric compare of version folder names such as `15`, `9.6`, `17`. */
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The folder holding initdb and pg_ctl: the highest /usr/lib/postgresql/<v>/bin, else PATH. */
function findBinDir() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)*$/.test(v) && hasServerBinaries(join(root, v, 'bin')))
      .sort(compareVersions);
    const best = versions.at(-1);
    if (best) return join(root, best, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && hasServerBinaries(dir)) return dir;
  }
  return undefined;
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout?.on('data', (c) => { out += c; });
    child.stderr?.on('data', (c) => { out += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${out.trim()}`));
    });
  });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function installPostgres() {
  if (!isRoot) {
    throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found, and not running as root to install them; install the Debian package `postgresql`.');
  }
  log('PostgreSQL not found; installing it with apt-get (this takes a minute)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // apt's output goes to our stderr: stdout is reserved for the test reporter.
  for (const args of [['update'], ['install', '-y', 'postgresql']]) {
    await new Promise((resolve, reject) => {
      const child = spawn('apt-get', args, { stdio: ['ignore', 2, 2], env });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`apt-get ${args.join(' ')} exited with ${code}`))));
    });
  }
}

/** The numeric uid/gid of the `postgres` user (created by the Debian package). */
function postgresIds() {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('the `postgres` user does not exist; (re)install the Debian package `postgresql`.');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** [cmd, args] running `bin/tool args` as the postgres user when we are root. */
function asPostgres(tool, args) {
  if (!isRoot) return [tool, args];
  if (isExecutable('/usr/sbin/runuser') || isExecutable('/sbin/runuser')) {
    return ['runuser', ['-u', 'postgres', '--', tool, ...args]];
  }
  const quoted = [tool, ...args].map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set();

function stopNowSync(cluster) {
  if (!running.has(cluster)) return;
  running.delete(cluster);
  const [cmd, args] = asPostgres(join(cluster.binDir, 'pg_ctl'), ['-D', cluster.dataDir, 'stop', '-m', 'immediate', '-w']);
  spawnSync(cmd, args, { stdio: 'ignore', cwd: cluster.dir, timeout: 30_000 });
  rmSync(cluster.dir, { recursive: true, force: true });
}

let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const c of [...running]) stopNowSync(c);
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      for (const c of [...running]) stopNowSync(c);
      process.exit(code);
    });
  }
}

/**
 * Starts a fresh PostgreSQL cluster and returns its connection URL and a stop function.
 * @returns {Promise<{ url: string, stop(): Promise<void> }>}
 */
export async function startPostgres() {
  let binDir = findBinDir();
  if (!binDir) {
    await installPostgres();
    binDir = findBinDir();
    if (!binDir) throw new Error('PostgreSQL was installed but initdb/pg_ctl are still not found under /usr/lib/postgresql/*/bin or on PATH.');
  }
  log(`using ${binDir}`);

  const dir = mkdtempSync(join(tmpdir(), 'kiln-pg-'));
  const dataDir = join(dir, 'data');
  const cluster = { binDir, dir, dataDir };
  installExitHandlers();
  try {
    if (isRoot) {
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
    const opts = { cwd: dir, env };

    log(`initdb ${dataDir}`);
    // --no-sync only skips flushing initdb's own files; the running server keeps fsync on.
    const [initCmd, initArgs] = asPostgres(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await run(initCmd, initArgs, opts);

    let port;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      appendFileSync(`${dataDir}/postgresql.conf`, [
        '',
        '# kiln test cluster',
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        'fsync = on',
        'synchronous_commit = on',
        'full_page_writes = on',
        'max_connections = 200',
        '',
      ].join('\n'));
      const [ctlCmd, ctlArgs] = asPostgres(join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      try {
        await run(ctlCmd, ctlArgs, opts);
        running.add(cluster);
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
        log(`start on port ${port} failed; retrying on another port`);
      }
    }
    log(`started on 127.0.0.1:${port}`);

    const { default: pg } = await import('pg');
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE kiln_test');
    } finally {
      await admin.end();
    }

    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/kiln_test`,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (running.has(cluster)) {
          running.delete(cluster);
          const [cmd, args] = asPostgres(join(binDir, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'fast', '-w', '-t', '60']);
          try {
            await run(cmd, args, opts);
          } catch (e) {
            log(`pg_ctl stop failed: ${e.message}`);
          }
        }
        rmSync(dir, { recursive: true, force: true });
        log('stopped');
      },
    };
  } catch (e) {
    stopNowSync(cluster);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
