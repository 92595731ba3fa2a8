import type { ErrorCode } from '../../domain/errors.js';

/**
 * The build plan: what the engine does, step by step, after build content and the
 * components it uses are flattened. Every step says where it comes from (`where`), which
 * is what errors and logs quote ("line 3", "line 5 > component update-os-linux 1.0.0 line 1").
 *
 * Text in YAML-component steps may hold `{{ name }}` parameter and `{{ task.stdout }}`
 * references; parameters are bound at planning, task outputs when the step runs.
 */
export type PlanStep =
  | { op: 'run'; where: string; command: string; cwd?: string; user?: string; captureAs?: string }
  | { op: 'env'; where: string; pairs: [string, string][] }
  | { op: 'workdir'; where: string; path: string }
  | { op: 'user'; where: string; user: string }
  | { op: 'copy'; where: string; source: string; dest: string; sourceKind: 'url' | 'path' }
  | { op: 'label'; where: string; pairs: [string, string][] }
  | { op: 'startup'; where: string; keyword: 'CMD' | 'ENTRYPOINT'; argv: string[] }
  | { op: 'restart'; where: string }
  | { op: 'download'; where: string; url: string; destinationDir: string; timeoutSeconds: number; token?: string }
  | { op: 'ossDownload'; where: string; bucket: string; object: string; destinationDir: string }
  | { op: 'ossUpload'; where: string; bucket: string; object: string; file: string }
  | { op: 'unsupported'; where: string; code: ErrorCode; message: string };

export type PlanOp = PlanStep['op'];
