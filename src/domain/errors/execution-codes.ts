import { DOC, type ErrorTable } from './spec.js';

/**
 * Codes only a build ends with: its execution's `ErrorCode` (with `ErrorInfo` saying what,
 * where). They come from the engine (`StepFailure`'s code) and from the worker (a lost worker,
 * the whole-build limit, a disk the host can never hold). The API codes a build can also end
 * with carry an `execution` line in their own area's table. None of these reaches the wire as
 * an error answer; their status is the general rule's (400 client, 500 server).
 */
export const EXECUTION_CODES = {
  // ---- a step of the build (engine) ----
  BuildCommandFailed: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A command of the build exited with a non-zero code.',
    execution: 'A RUN (or a component\'s command, or a TestContent command) exited with a non-zero code; ErrorInfo names the line and the code.',
  },
  StepTimeout: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A step ran longer than the step limit.',
    execution: 'A step ran longer than the engine\'s step limit and was killed.',
  },
  InstanceOutOfMemory: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A step needed more memory than the instance type has.',
    execution: 'A step needed more memory than the InstanceType gives and was killed by the kernel.',
  },
  InstanceDiskFull: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A step filled the instance\'s system disk.',
    execution: 'A step filled the system disk (SystemDiskSize), or its files would hold more than the disk as a layer stores them.',
  },
  UserNotFound: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A USER names a user the image does not have.',
    execution: 'A USER command (or a step run as that user) names a user missing from the image\'s /etc/passwd.',
  },
  TaskOutputTooLarge: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A component refers to a task\'s stdout that printed more than Kiln keeps.',
    execution: 'A component step refers to {{ task.stdout }} of a task that printed more than Kiln keeps.',
  },
  'InvokeCommand.NotSupported': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A component uses InvokeCommand (Cloud Assistant common commands), which Kiln does not have.',
    execution: 'A component step uses InvokeCommand, which Kiln does not have.',
  },
  VmTestFailed: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'TestContent could not run in a VM booted from the image.',
    execution: 'TESTING in a VM (an image with a kernel) could not go on: the image did not boot, the test agent did not start (it needs systemd and /usr/bin/perl), the guest broke the agent protocol or the VM stopped, the step cannot run in a VM (RESTART, COPY from a URL, WebDownload), or kiln:test-instance=vm named an image without a kernel; ErrorInfo says which, with the last console lines.',
  },
  RepairFailed: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A repair check of the base image failed.',
    execution: 'A RepairMode check of the base image failed or reported no result.',
  },
  LayerMissing: {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A layer of the built image is no longer in the blob store.',
    execution: 'A layer of the image was removed from the blob store before the image was registered; start the execution again.',
  },
  DistributionFailed: {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'Copying or sharing the built image failed for some targets.',
    execution: 'The image was created, but copying it to a ToRegionId or sharing it with an AddAccount failed (status PARTITION_SUCCESS); ErrorInfo lists each failure.',
  },

  // ---- OSS steps and imports (engine) ----
  'OSS.NotConfigured': {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'The build needs an object store and none is configured.',
    execution: 'An OSS import or an OSSDownload/OSSUpload step needs an object store, and this Kiln has none (KILN_OSS_ENDPOINT and its keys).',
  },
  'OSS.Unavailable': {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'The object store could not be reached or ended a transfer early.',
    execution: 'The object store could not be reached, or a read from it ended early.',
  },
  'OSS.RequestFailed': {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'The object store answered an OSS request with an error.',
    execution: 'The object store answered with an error, or the file to upload changed while it was read.',
  },
  'OSS.ObjectTooLarge': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'An object to read or a file to upload is larger than Kiln transfers.',
    execution: 'An object to import or download, or a file to upload, is larger than one PutObject (5 GiB) or KILN_OSS_MAX_OBJECT_BYTES.',
  },
  'OSS.ImageFormatNotSupported': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'An OSS import looks like an image archive (tar or gzip) and cannot be read as one.',
    execution: 'The OSS object of a BaseImageType=OSS import is a tar or gzip file that cannot be read as a rootfs tarball or an OCI image layout archive.',
  },
  'OSSUpload.FileNotFound': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'An OSSUpload names a file that is not a readable file on the instance.',
    execution: 'An OSSUpload step names a file that is not a readable file on the instance.',
  },
  'InvalidParameter.ObjectName': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'An OSS step\'s objectName names a folder.',
    execution: 'An OSSDownload or OSSUpload step\'s objectName names a folder, not an object.',
  },

  // ---- the worker ----
  WorkerLost: {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'The worker running the build stopped (killed, or cut off longer than its lease).',
    execution: 'The worker running the build stopped (killed, or cut off longer than its lease); another worker removed its leftovers.',
  },
  BuildTimeout: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The build ran longer than the whole-build limit.',
    execution: 'The build ran longer than KILN_BUILD_TIMEOUT_MS, counted from its claim; its instance was released.',
  },
  InsufficientHostDisk: {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The build\'s SystemDiskSize is more than the host can ever hold.',
    execution: 'SystemDiskSize is more than the build host can give one build (its data dir\'s filesystem minus KILN_HOST_DISK_RESERVE_BYTES); the build never started.',
  },
} as const satisfies ErrorTable;
