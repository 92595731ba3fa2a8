import type { SystemType } from '../component.js';
import type { YamlAction } from './types.js';

/** `Json` is InvokeCommand's `parameters` (a mapping, or a string holding a JSON object). */
export type PropertyType = 'String' | 'Number' | 'Boolean' | 'Json';

export interface PropertySpec {
  type: PropertyType;
  required: boolean;
  /** Documented default, filled into the parsed task when the property is absent. */
  default?: number | boolean;
}

export interface ActionSpec {
  properties: Readonly<Record<string, PropertySpec>>;
  /** Set when the action runs on one OS only. */
  systemType?: SystemType;
  /** Whether later tasks may read `{{ <task>.stdout }}`. */
  hasStdout: boolean;
}

const req = (type: PropertyType): PropertySpec => ({ type, required: true });
const opt = (type: PropertyType, dflt?: number | boolean): PropertySpec =>
  dflt === undefined ? { type, required: false } : { type, required: false, default: dflt };

/**
 * The YAML actions and their properties, from the reference's action table. The build
 * engine reads the same table, so adding an action is one entry here.
 */
export const ACTIONS: Readonly<Record<YamlAction, ActionSpec>> = {
  RunShellCommand: {
    systemType: 'Linux',
    hasStdout: true,
    properties: { commandContent: req('String'), workingDir: opt('String'), username: opt('String') },
  },
  RunPowerShellCommand: {
    systemType: 'Windows',
    // The reference only infers this by analogy with RunShellCommand; the TF acceptance
    // test reads `{{HelloWorld.stdout}}` of a RunPowerShellCommand task, which settles it.
    hasStdout: true,
    properties: {
      commandContent: req('String'),
      workingDir: opt('String'),
      username: opt('String'),
      windowsPasswordName: opt('String'),
    },
  },
  InvokeCommand: {
    hasStdout: false,
    properties: { commandId: req('String'), username: opt('String'), parameters: opt('Json') },
  },
  OSSDownload: {
    hasStdout: false,
    properties: {
      bucketName: req('String'),
      destinationDir: req('String'),
      objectName: req('String'),
      ossRegion: opt('String'),
      validTime: opt('Number'),
    },
  },
  OSSUpload: {
    hasStdout: false,
    properties: {
      bucketName: req('String'),
      fileToUpload: req('String'),
      objectName: req('String'),
      ossRegion: opt('String'),
      validTime: opt('Number'),
    },
  },
  WebDownload: {
    hasStdout: false,
    properties: {
      sourcePath: req('String'),
      destinationDir: req('String'),
      tokenInfo: opt('String'),
      timeout: opt('Number', 600),
    },
  },
  Reboot: {
    hasStdout: false,
    properties: { forceStop: opt('Boolean', false) },
  },
};

export function isAction(s: string): s is YamlAction {
  return Object.hasOwn(ACTIONS, s);
}
