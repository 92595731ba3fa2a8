import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';

/** Placeholder until the session's `ConsoleAuth` (session-auth.ts) lands. */
type ConsoleAuth = (req: FastifyRequest, opts: { csrf: boolean }) => Promise<{ accountId: string; accessKeyId: string }>;

/** The console's own API routes besides the session (call, validate, logs, layers). */
export function registerConsoleApi(_server: FastifyInstance, _app: App, _auth: ConsoleAuth): void {}
