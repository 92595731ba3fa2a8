import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance, InstanceDriver, InstanceSpec, StepResult, StepRun } from '../../src/engine/instance/instance.js';

/** What the fake driver was asked to do, in order. `command` is the step's argv joined by spaces. */
export type FakeEvent =
  | { op: 'create'; name: string; lowerLayers: number }
  | { op: 'run'; name: string; command: string }
  | { op: 'commit'; name: string }
  | { op: 'restart'; name: string }
  | { op: 'destroy'; name: string };

/** How a step matching `when` (a substring or pattern of its command) ends. */
type Behaviour =
  /** Exits with this code (or is OOM-killed / finds the disk full). */
  | { kind: 'fail'; exitCode: number; oomKilled?: boolean; diskFull?: boolean }
  /** Runs until its signal aborts it (`cancelled`) or its time is up (`timedOut`). */
  | { kind: 'hang' }
  /** Prints `stdout` and exits 0. */
  | { kind: 'print'; stdout: string };

interface Rule {
  when: string | RegExp;
  behaviour: Behaviour;
}

const matches = (when: string | RegExp, command: string): boolean => (typeof when === 'string' ? command.includes(when) : when.test(command));

/**
 * An `InstanceDriver` with no containers, for unit tests of the build's lifecycle: it records every
 * create, run, commit and destroy (`events`), gives each step an upper dir holding one file named
 * after the step (so each step makes a distinct layer) and a real /tmp dir under `root`, and can be
 * told to fail or hang the steps whose command matches. `reached(when)` resolves when such a step
 * starts (to cancel a build at a known point).
 */
export class FakeInstanceDriver implements InstanceDriver {
  readonly events: FakeEvent[] = [];
  private readonly rules: Rule[] = [];
  private readonly live = new Map<string, FakeInstance>();
  private readonly waiters: { when: string | RegExp; resolve: () => void }[] = [];

  constructor(private readonly root: string) {}

  /** Steps whose command matches exit with `exitCode` (default 1), or as `extra` says. */
  fail(when: string | RegExp, exitCode = 1, extra: { oomKilled?: boolean; diskFull?: boolean } = {}): this {
    this.rules.push({ when, behaviour: { kind: 'fail', exitCode, ...extra } });
    return this;
  }

  /** Steps whose command matches run until they are cancelled or time out. */
  hang(when: string | RegExp): this {
    this.rules.push({ when, behaviour: { kind: 'hang' } });
    return this;
  }

  /** Steps whose command matches print `stdout` and succeed. */
  print(when: string | RegExp, stdout: string): this {
    this.rules.push({ when, behaviour: { kind: 'print', stdout } });
    return this;
  }

  /** Resolves when a step whose command matches starts running. */
  reached(when: string | RegExp): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ when, resolve }));
  }

  /** Names of the instances created / destroyed, in order. */
  created(): string[] {
    return this.events.flatMap((e) => (e.op === 'create' ? [e.name] : []));
  }

  destroyed(): string[] {
    return this.events.flatMap((e) => (e.op === 'destroy' ? [e.name] : []));
  }

  /** Commands run on instance `name` (all instances when absent). */
  commands(name?: string): string[] {
    return this.events.flatMap((e) => (e.op === 'run' && (name === undefined || e.name === name) ? [e.command] : []));
  }

  async create(spec: InstanceSpec): Promise<Instance> {
    if (this.live.has(spec.name)) throw new Error(`instance ${spec.name} exists`);
    const dir = join(this.root, spec.name);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const instance = new FakeInstance(this, spec.name, dir);
    this.live.set(spec.name, instance);
    this.events.push({ op: 'create', name: spec.name, lowerLayers: spec.layers.length });
    return instance;
  }

  async leftovers(namePrefix: string): Promise<string[]> {
    return [...this.live.keys()].filter((n) => n.startsWith(namePrefix)).map((n) => `instance ${n}`);
  }

  async reap(namePrefix: string): Promise<void> {
    for (const [name, instance] of this.live) if (name.startsWith(namePrefix)) await instance.destroy();
  }

  /** @internal */
  behaviourOf(command: string): Behaviour | undefined {
    for (const w of this.waiters.filter((x) => matches(x.when, command))) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    return this.rules.find((r) => matches(r.when, command))?.behaviour;
  }

  /** @internal */
  record(event: FakeEvent): void {
    this.events.push(event);
  }

  /** @internal Every call is recorded (a second destroy of one instance shows as two events). */
  async remove(name: string, dir: string): Promise<void> {
    this.events.push({ op: 'destroy', name });
    if (!this.live.delete(name)) return;
    await rm(dir, { recursive: true, force: true });
  }
}

class FakeInstance implements Instance {
  private runs = 0;
  readonly tmpDir: string;

  constructor(private readonly driver: FakeInstanceDriver, private readonly name: string, private readonly dir: string) {
    this.tmpDir = join(dir, 'tmp');
  }

  async run(step: StepRun): Promise<StepResult> {
    const command = step.argv.join(' ');
    this.driver.record({ op: 'run', name: this.name, command });
    const upperDir = join(this.dir, `upper-${++this.runs}`);
    await mkdir(upperDir, { recursive: true });
    await writeFile(join(upperDir, `step-${this.runs}`), `${command}\n`);
    const result: StepResult = { exitCode: 0, oomKilled: false, diskFull: false, timedOut: false, cancelled: false, upperDir };
    // As the runc driver: a step whose signal is already aborted does not start.
    if (step.signal?.aborted) return { ...result, exitCode: -1, cancelled: true };
    const behaviour = this.driver.behaviourOf(command);
    if (behaviour?.kind === 'hang') return { ...result, exitCode: 137, ...(await this.hang(step)) };
    if (behaviour?.kind === 'fail') return { ...result, exitCode: behaviour.exitCode, oomKilled: behaviour.oomKilled ?? false, diskFull: behaviour.diskFull ?? false };
    step.onOutput('stdout', Buffer.from(behaviour?.kind === 'print' ? behaviour.stdout : `ran: ${command}\n`));
    return result;
  }

  private hang(step: StepRun): Promise<{ cancelled: boolean; timedOut: boolean }> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(step.timeoutMs) && step.timeoutMs > 0 ? setTimeout(() => resolve({ cancelled: false, timedOut: true }), step.timeoutMs) : undefined;
      const onAbort = () => {
        clearTimeout(timer);
        resolve({ cancelled: true, timedOut: false });
      };
      if (step.signal?.aborted) onAbort();
      else step.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  commitStep(): void {
    this.driver.record({ op: 'commit', name: this.name });
  }

  commitLayer(): void {
    this.driver.record({ op: 'commit', name: this.name });
  }

  async restart(): Promise<void> {
    this.driver.record({ op: 'restart', name: this.name });
  }

  async destroy(): Promise<void> {
    await this.driver.remove(this.name, this.dir);
  }
}
