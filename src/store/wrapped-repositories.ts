import type { Repositories } from '../domain/ports.js';
import { REPOSITORY_FACTORIES, type RepoContext } from './repositories/index.js';

/*
 * Repositories with every method call passed through a guard (`around`): `SqlStore` uses it to
 * refuse the root store inside a transaction and a transaction's repositories after its end.
 */

/** Runs one repository call: `repository.method(...args)`. */
export type Around = <T>(call: () => Promise<T>, repository: string, method: string, args: readonly unknown[]) => Promise<T>;

/** The same repositories with every method call passed through `around`. */
export function wrapRepositories(repos: Repositories, around: Around): Repositories {
  const out: Record<string, unknown> = {};
  for (const [name, repo] of Object.entries(repos)) out[name] = wrapRepository(name, repo, around);
  return out as unknown as Repositories;
}

/** One repository with every method call passed through `around`. */
function wrapRepository(name: string, repo: object, around: Around): unknown {
  const wrapped: Record<string, unknown> = {};
  for (const [method, fn] of Object.entries(repo)) {
    wrapped[method] = typeof fn === 'function'
      ? (...args: unknown[]) => around(() => (fn as (...a: unknown[]) => Promise<unknown>).apply(repo, args), name, method, args)
      : fn;
  }
  return wrapped;
}

/**
 * A transaction's repositories, each made (and wrapped) on first use: a transaction uses two
 * or three of them, and making them all (dozens of closures) cost more than most of its
 * statements.
 */
class LazyRepositories {
  readonly #ctx: RepoContext;
  readonly #around: Around;
  readonly #made: Partial<Record<keyof Repositories, unknown>> = {};

  constructor(ctx: RepoContext, around: Around) {
    this.#ctx = ctx;
    this.#around = around;
  }

  repository(name: keyof Repositories): unknown {
    return (this.#made[name] ??= wrapRepository(name, REPOSITORY_FACTORIES[name](this.#ctx), this.#around));
  }
}
for (const name of Object.keys(REPOSITORY_FACTORIES) as (keyof Repositories)[]) {
  Object.defineProperty(LazyRepositories.prototype, name, {
    enumerable: true,
    get(this: LazyRepositories) {
      return this.repository(name);
    },
  });
}

/** Repositories on `ctx` with every method call passed through `around`, each made on first use. */
export function lazyRepositories(ctx: RepoContext, around: Around): Repositories {
  return new LazyRepositories(ctx, around) as unknown as Repositories;
}
