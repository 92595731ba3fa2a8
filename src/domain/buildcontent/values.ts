import type { ParameterType } from '../component.js';

// Plain decimal notation only: the value is substituted into shell/PowerShell text, where
// YAML's hex/octal/`.inf` spellings would mean something else.
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

/**
 * Whether `text` is an acceptable value for a parameter of `type`. Numbers are decimal
 * literals; booleans are `true`/`false` in any case (YAML writes `True` too).
 */
export function isValidParameterValue(type: ParameterType, text: string): boolean {
  switch (type) {
    case 'String':
      return true;
    case 'Number':
      return NUMBER.test(text);
    case 'Boolean':
      return BOOLEAN.test(text);
  }
}

export function isNumberText(text: string): boolean {
  return NUMBER.test(text);
}
