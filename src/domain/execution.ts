import { KilnError } from './errors.js';
import type { Tag } from './tag.js';

/** The statuses of an image build task, exactly as the API reports them. */
export const EXECUTION_STATUSES = [
  'PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'RELEASING',
  'SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLING', 'CANCELLED',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/**
 * An image build task (`ImagePipelineExecution`). Its row is also the job a worker claims:
 * the lease fields say which worker runs it and until when.
 */
export interface Execution {
  id: string;
  pipelineId: string;
  accountId: string;
  regionId: string;
  status: ExecutionStatus;
  /** A human line about the current stage or the outcome. */
  message: string;
  /** On failure: a stable code (e.g. `BuildCommandFailed`) and what happened (which line, which exit code). */
  errorCode?: string;
  errorInfo?: string;
  /** The image being built, once it has an id. */
  imageId?: string;
  resourceGroupId: string;
  tags: Tag[];
  creationTime: string;
  modifiedTime: string;
}

/**
 * The lifecycle of the real service. Every stage may fail; cancelling is possible until
 * the image exists (PREPARING, REPAIRING, BUILDING), as the current API documents.
 */
const NEXT: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  PREPARING: ['REPAIRING', 'BUILDING', 'FAILED', 'CANCELLING'],
  REPAIRING: ['BUILDING', 'FAILED', 'CANCELLING'],
  BUILDING: ['TESTING', 'DISTRIBUTING', 'RELEASING', 'FAILED', 'CANCELLING'],
  TESTING: ['DISTRIBUTING', 'RELEASING', 'FAILED'],
  DISTRIBUTING: ['RELEASING', 'FAILED'],
  RELEASING: ['SUCCESS', 'PARTITION_SUCCESS', 'TEST_FAILED', 'FAILED'],
  CANCELLING: ['CANCELLED'],
  SUCCESS: [],
  PARTITION_SUCCESS: [],
  FAILED: [],
  TEST_FAILED: [],
  CANCELLED: [],
};

export function canMove(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return NEXT[from].includes(to);
}

/** Checks a status change against the lifecycle; an impossible move is a bug of ours. */
export function checkMove(from: ExecutionStatus, to: ExecutionStatus): void {
  if (!canMove(from, to)) {
    throw new KilnError('InternalError', `execution status cannot move from ${from} to ${to}`, 'server');
  }
}

export const CANCELLABLE: ReadonlySet<ExecutionStatus> = new Set(['PREPARING', 'REPAIRING', 'BUILDING']);

/**
 * What CancelImagePipelineExecution does in a status: move to CANCELLING, nothing (already
 * cancelling: repeated calls are harmless), or refuse with the documented code.
 */
export function cancelDecision(status: ExecutionStatus): 'cancel' | 'already' {
  if (CANCELLABLE.has(status)) return 'cancel';
  if (status === 'CANCELLING') return 'already';
  if (isTerminal(status)) {
    throw new KilnError('InvalidStatus.CancelFailed', `Failed to cancel execution,status is success, failed or cancelled. (status: ${status})`);
  }
  throw new KilnError('InvalidStatus.ImagePipelineExecution', `The execution is ${status}: it can be cancelled only while PREPARING, REPAIRING or BUILDING.`);
}

/** Parses DescribeImagePipelineExecutions' comma-separated `Status` filter. */
export function parseStatusFilter(value: string | undefined): ExecutionStatus[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const statuses = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of statuses) {
    if (!(EXECUTION_STATUSES as readonly string[]).includes(s)) {
      throw new KilnError('InvalidParameter.Status', `The specified Status "${s}" is not valid. Valid values: ${EXECUTION_STATUSES.join(', ')}.`);
    }
  }
  return statuses as ExecutionStatus[];
}
