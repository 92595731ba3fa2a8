/*
 * Component documents the component conformance suites (components, components-references) share.
 */

/**
 * A component YAML with three typed parameters (a String and a Boolean with defaults, a Number
 * without) and a task that reads the stdout of the one before it.
 */
export const YAML_WITH_PARAMETERS = [
  'Parameters:',
  '  greeting:',
  '    Type: String',
  '    DefaultValue: hello',
  '  retries:',
  '    Type: Number',
  '  verbose:',
  '    Type: Boolean',
  '    DefaultValue: false',
  'Tasks:',
  '  - Name: Greet',
  '    Action: RunShellCommand',
  '    Properties:',
  '      commandContent: echo {{ greeting }} {{ retries }} {{ verbose }}',
  '  - Name: Again',
  '    Action: RunShellCommand',
  '    Properties:',
  '      commandContent: echo "{{ Greet.stdout }}"',
].join('\n');
