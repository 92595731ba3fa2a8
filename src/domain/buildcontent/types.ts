import type { ComponentParameter } from '../component.js';

/**
 * Where a piece of build content comes from. It decides which commands are allowed and
 * which error code a violation carries:
 * - `build`: a template's `BuildContent` (Dockerfile-style, may use `COMPONENT` and a leading `FROM`);
 * - `test`: a template's `TestContent` (Dockerfile-style, may use `COMPONENT`, no `FROM`);
 * - `component`: an image component's `Content` (YAML or Dockerfile-style, no `COMPONENT`, no `FROM`).
 */
export type ContentKind = 'build' | 'test' | 'component';

/** Every parsed command knows the 1-based line it starts on (the first line of a `\` continuation). */
interface At {
  line: number;
}

/** `RUN <shell command>`; continuations are already joined (see `lines.ts`). */
export interface RunInstruction extends At {
  keyword: 'RUN';
  command: string;
}

/** `ENV key value` or `ENV k1="v1" k2="v2"`; pairs in source order (a repeated key: the last one wins when applied). */
export interface EnvInstruction extends At {
  keyword: 'ENV';
  pairs: [string, string][];
}

export interface WorkdirInstruction extends At {
  keyword: 'WORKDIR';
  path: string;
}

/** `COPY <source> <dest>`; a `url` source is fetched with wget by the build engine. */
export interface CopyInstruction extends At {
  keyword: 'COPY';
  source: string;
  dest: string;
  sourceKind: 'url' | 'path';
}

export interface UserInstruction extends At {
  keyword: 'USER';
  user: string;
}

/** Template metadata; `LABEL k="v" k2="v2"` (also `LABEL key value`). */
export interface LabelInstruction extends At {
  keyword: 'LABEL';
  pairs: [string, string][];
}

/**
 * A startup command (`CMD` / `ENTRYPOINT`). The exec form (`["exe","arg"]`) carries `argv`;
 * the shell form carries `command`. Exactly one of the two is set.
 */
export interface StartupInstruction extends At {
  keyword: 'CMD' | 'ENTRYPOINT';
  form: 'exec' | 'shell';
  argv?: string[];
  command?: string;
}

export interface RestartInstruction extends At {
  keyword: 'RESTART';
}

/** Deprecated: kept in the parse so it can be validated, ignored by the build engine. */
export interface FromInstruction extends At {
  keyword: 'FROM';
  baseImageType: 'IMAGE' | 'IMAGE_FAMILY';
  baseImage: string;
}

/**
 * How a `COMPONENT` line names its component. The ARN form's `version` is
 * `<major>.<minor>.<patch>` where any part may be `*` ("highest matching").
 */
export type ComponentRef =
  | { kind: 'id'; id: string }
  | { kind: 'arn'; regionId: string; accountId: string; name: string; version: string };

/** `COMPONENT <id|arn> [--name value]...`; `params` are the values as written (strings). */
export interface ComponentInstruction extends At {
  keyword: 'COMPONENT';
  ref: ComponentRef;
  params: Record<string, string>;
}

/** One Dockerfile-style command; discriminated by `keyword`. */
export type Instruction =
  | RunInstruction
  | EnvInstruction
  | WorkdirInstruction
  | CopyInstruction
  | UserInstruction
  | LabelInstruction
  | StartupInstruction
  | RestartInstruction
  | FromInstruction
  | ComponentInstruction;

export type Keyword = Instruction['keyword'];

/** The actions a YAML component task may use. */
export type YamlAction =
  | 'RunShellCommand'
  | 'RunPowerShellCommand'
  | 'InvokeCommand'
  | 'OSSDownload'
  | 'OSSUpload'
  | 'WebDownload'
  | 'Reboot';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A task property value after type checking. `String` properties are strings (which may
 * contain `{{ }}` references); `Number`/`Boolean` properties are numbers/booleans, or a
 * string when the whole value is a `{{ param }}` reference bound at build time; `Json`
 * properties (InvokeCommand `parameters`) are plain JSON objects.
 */
export type PropertyValue = JsonValue;

export interface YamlTask {
  name: string;
  action: YamlAction;
  /** Line of the task's list item. */
  line: number;
  /** Declared properties, with the documented defaults filled in (e.g. WebDownload `timeout: 600`). */
  properties: Record<string, PropertyValue>;
}

/** A validated YAML component: its parameters (as DescribeImageComponents reports them) and tasks in run order. */
export interface YamlComponent {
  parameters: ComponentParameter[];
  tasks: YamlTask[];
}

/** The result of `parseContent`. Templates' content is always `dockerfile`. */
export type ParsedContent =
  | { format: 'dockerfile'; instructions: Instruction[] }
  | { format: 'yaml'; component: YamlComponent };
