import type { FastifyInstance } from 'fastify';

/** Where the console's built files are. */
export interface ConsoleStaticOptions {
  /** The built console (default: dist/console of the repository). */
  distDir?: string;
}

/** Serves the built console under `/console/`. */
export function registerConsoleStatic(_server: FastifyInstance, _opts: ConsoleStaticOptions = {}): void {}
