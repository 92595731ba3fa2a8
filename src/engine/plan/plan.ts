import type { ResolvedContent, ResolvedInstruction, YamlTask } from '../../domain/buildcontent/index.js';
import type { PlanStep } from './steps.js';

/** `{{ name }}` references to parameters, replaced at planning. */
const PARAM_REF = /\{\{\s*([A-Za-z0-9_-]+)\s*\}\}/g;

function bind(text: string, params: Record<string, string>): string {
  return text.replace(PARAM_REF, (whole, name: string) => (name in params ? params[name]! : whole));
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** The steps of one YAML task, with parameters bound. */
function taskSteps(task: YamlTask, where: string, params: Record<string, string>): PlanStep[] {
  const p = (k: string) => {
    const v = str(task.properties[k]);
    return v === undefined ? undefined : bind(v, params);
  };
  const at = `${where} task ${task.name} (line ${task.line})`;
  switch (task.action) {
    case 'RunShellCommand': {
      const step: PlanStep = { op: 'run', where: at, command: p('commandContent') ?? '', captureAs: task.name };
      const cwd = p('workingDir');
      const user = p('username');
      if (cwd) step.cwd = cwd;
      if (user) step.user = user;
      return [step];
    }
    case 'WebDownload': {
      const step: PlanStep = { op: 'download', where: at, url: p('sourcePath') ?? '', destinationDir: p('destinationDir') ?? '/', timeoutSeconds: Number(p('timeout') ?? 600) };
      const token = p('tokenInfo');
      if (token) step.token = token;
      return [step];
    }
    case 'Reboot':
      return [{ op: 'restart', where: at }];
    case 'OSSDownload':
      return [{ op: 'ossDownload', where: at, bucket: p('bucketName') ?? '', object: p('objectName') ?? '', destinationDir: p('destinationDir') ?? '/' }];
    case 'OSSUpload':
      return [{ op: 'ossUpload', where: at, bucket: p('bucketName') ?? '', object: p('objectName') ?? '', file: p('fileToUpload') ?? '' }];
    case 'RunPowerShellCommand':
      return [{ op: 'unsupported', where: at, code: 'InvalidImage.OsTypeUnsupported', message: 'RunPowerShellCommand needs a Windows instance; Kiln builds Linux images.' }];
    case 'InvokeCommand':
      return [{ op: 'unsupported', where: at, code: 'InvokeCommand.NotSupported', message: 'InvokeCommand runs Cloud Assistant common commands, which Kiln does not have.' }];
  }
}

function instructionSteps(ins: ResolvedInstruction, where: string): PlanStep[] {
  switch (ins.keyword) {
    case 'RUN':
      return [{ op: 'run', where, command: ins.command }];
    case 'ENV':
      return [{ op: 'env', where, pairs: ins.pairs }];
    case 'WORKDIR':
      return [{ op: 'workdir', where, path: ins.path }];
    case 'USER':
      return [{ op: 'user', where, user: ins.user }];
    case 'COPY':
      return [{ op: 'copy', where, source: ins.source, dest: ins.dest, sourceKind: ins.sourceKind }];
    case 'LABEL':
      return [{ op: 'label', where, pairs: ins.pairs }];
    case 'CMD':
    case 'ENTRYPOINT':
      // The shell form runs through /bin/sh -c, as Docker does.
      return [{ op: 'startup', where, keyword: ins.keyword, argv: ins.form === 'exec' ? ins.argv ?? [] : ['/bin/sh', '-c', ins.command ?? ''] }];
    case 'RESTART':
      return [{ op: 'restart', where }];
    case 'FROM':
      // Deprecated: the base image always comes from BaseImageType/BaseImage.
      return [];
    case 'COMPONENT': {
      const c = ins.component;
      const inner = `${where} > component ${c.name} ${c.componentVersion}`;
      if (ins.content.format === 'yaml') {
        return ins.content.component.tasks.flatMap((task) => taskSteps(task, inner, ins.parameterValues));
      }
      return ins.content.instructions.flatMap((sub) => instructionSteps(sub as ResolvedInstruction, `${inner} line ${sub.line}`));
    }
  }
}

/** Flattens resolved build or test content into the engine's steps, in order. */
export function planSteps(content: ResolvedContent): PlanStep[] {
  return content.instructions.flatMap((ins) => instructionSteps(ins, `line ${ins.line}`));
}
