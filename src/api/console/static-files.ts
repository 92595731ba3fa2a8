import type { FastifyInstance, FastifyReply } from 'fastify';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the console's built files are. */
export interface ConsoleStaticOptions {
  /** The built console (default: `dist/console` of the checkout, where `scripts/build-console.mjs` writes it). */
  distDir?: string;
}

/** The checkout's `dist/console/` (this file is `src/api/console/static-files.ts`). */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

/** Headers on every answer under `/console` (files, the SPA fallback, the API, errors): docs/api-notes/console.md. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** A built console is small (a few hundred KiB); more than this is not a console build and is not loaded. */
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 2000;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite's output names under `assets/`: `<name>-<8+ character hash>.<ext>`; their content never changes under that name. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;

/** One file of the build, held in memory. */
interface ConsoleFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/**
 * The build's files by URL path (`/console/assets/index-abc.js`), read once: regular files
 * only (symbolic links and dot-files are skipped), within the count and byte bounds. Undefined
 * when there is no build (no `index.html`).
 */
function loadBuild(distDir: string): Map<string, ConsoleFile> | undefined {
  const files = new Map<string, ConsoleFile>();
  let total = 0;
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      const name = rel === '' ? entry : `${rel}/${entry}`;
      const st = lstatSync(path);
      if (st.isDirectory()) {
        walk(path, name);
        continue;
      }
      if (!st.isFile()) continue;
      total += st.size;
      if (files.size >= MAX_FILES || total > MAX_TOTAL_BYTES) throw new Error(`${distDir} is larger than a console build (${MAX_FILES} files, ${MAX_TOTAL_BYTES} bytes)`);
      files.set(`/console/${name}`, {
        body: readFileSync(path),
        contentType: CONTENT_TYPES[extname(entry).toLowerCase()] ?? 'application/octet-stream',
        cacheControl: HASHED_ASSET.test(name) ? 'public, max-age=31536000, immutable' : name === 'index.html' ? 'no-store' : 'no-cache',
      });
    }
  };
  try {
    if (!lstatSync(join(distDir, 'index.html')).isFile()) return undefined;
  } catch {
    return undefined;
  }
  walk(distDir, '');
  return files;
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kiln console not built</title></head>
<body><h1>The Kiln console is not built</h1>
<p>This server has no built console (<code>dist/console/</code>). Run <code>npm start</code>, which builds it, or <code>npm run build:console</code>, then restart <code>kiln serve</code>.</p>
</body></html>
`;

/**
 * Whether a request target is under `/console`, as the router sees it: it matches paths
 * percent-decoded (`/%63onsole/` is `/console/`), so the headers' check decodes too.
 */
function isConsolePath(url: string): boolean {
  let path = url.split('?', 1)[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not decodable: the router answers it as malformed (`frameworkErrors`), compared as sent.
  }
  return path === '/console' || path.startsWith('/console/');
}

function send(reply: FastifyReply, status: number, file: ConsoleFile): FastifyReply {
  return reply.code(status).header('content-type', file.contentType).header('cache-control', file.cacheControl).send(file.body);
}

/**
 * The built console under `/console/` (docs/api-notes/console.md, "Static files"). The build's
 * file list is read once here, into memory: a request's path is only ever a key of that map,
 * never a path on disk, so no request reads anything else. `/console` redirects to `/console/`;
 * a path under `/console/` that is no file answers `index.html` (the app routes it), except
 * under `/console/api/` (the API's own not-found answer). Without a build, 503 with a page
 * saying how to make one (also when the folder cannot be read whole). Every answer under `/console` carries `CONSOLE_SECURITY_HEADERS`.
 */
export function registerConsoleStatic(server: FastifyInstance, opts: ConsoleStaticOptions = {}): void {
  const distDir = opts.distDir ?? DEFAULT_DIST_DIR;
  let files: Map<string, ConsoleFile> | undefined;
  try {
    files = loadBuild(distDir);
  } catch (err) {
    // A build being rewritten at this moment, or something else than a build: the API still serves.
    server.log.error({ err, distDir }, 'the web console\'s files could not be read; /console/ answers 503');
  }
  const index = files?.get('/console/index.html');
  const notBuilt: ConsoleFile = { body: Buffer.from(NOT_BUILT_PAGE), contentType: 'text/html; charset=utf-8', cacheControl: 'no-store' };

  server.addHook('onSend', async (req, reply, payload) => {
    if (isConsolePath(req.raw.url ?? '')) {
      reply.headers(CONSOLE_SECURITY_HEADERS);
      // Over TLS, the browser keeps to it for this host from then on (a later plain-HTTP link cannot strip it).
      if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
    }
    return payload;
  });

  server.get('/console', async (req, reply) => {
    const q = (req.raw.url ?? '').indexOf('?');
    return reply.header('cache-control', 'no-store').redirect(`/console/${q < 0 ? '' : (req.raw.url ?? '').slice(q)}`, 301);
  });

  server.get('/console/*', async (req, reply) => {
    const url = req.raw.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path.startsWith('/console/api/')) return reply.callNotFound();
    if (!files || !index) return send(reply, 503, notBuilt);
    return send(reply, 200, files.get(path === '/console/' ? '/console/index.html' : path) ?? index);
  });
}
