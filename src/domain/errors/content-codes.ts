import { DOC, type ErrorTable } from './spec.js';

/**
 * Codes of the build-content language (BuildContent, TestContent, a component's Content;
 * reference §3). Every message names the line (`line 3: …`), so no code here has a template.
 */
export const CONTENT_CODES = {
  'InvalidBuildContent.LengthExceeded': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'BuildContent is longer than the accepted size.' },
  'InvalidContent.LengthExceeded': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'A component\'s Content is longer than the accepted size.' },
  'InvalidImageTemplateCommandSize.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The content has more commands than accepted.' },
  'InvalidImageTemplateCommand.NotSupported': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A line starts with a word that is no supported command.' },
  'DuplicatedCommand.FROM': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'FROM appears more than once.' },
  'InvalidCommandOrder.FROM': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'FROM is not the first command.' },
  'NotSupportedCommand.FROM': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'FROM appears where it is not allowed (a component, TestContent; documented 404).' },
  'InvalidCommand.Component': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'A component contains a COMPONENT command.' },
  'InvalidCommandContent.RUN': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a RUN command are malformed.' },
  'InvalidCommandContent.ENV': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a ENV command are malformed.' },
  'InvalidCommandContent.WORKDIR': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a WORKDIR command are malformed.' },
  'InvalidCommandContent.COPY': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a COPY command are malformed.' },
  'InvalidCommandContent.USER': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a USER command are malformed.' },
  'InvalidCommandContent.FROM': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a FROM command are malformed.' },
  'InvalidCommandContent.CMD': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a CMD command are malformed.' },
  'InvalidCommandContent.ENTRYPOINT': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'The arguments of a ENTRYPOINT command are malformed.' },
  'EmptyCommandContent.LABEL': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A LABEL command has no arguments.' },
  'EmptyCommandContent.ENV': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A ENV command has no arguments.' },
  'EmptyCommandContent.ENTRYPOINT': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A ENTRYPOINT command has no arguments.' },
  'EmptyCommandContent.CMD': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A CMD command has no arguments.' },
  'EmptyCommandContent.COPY': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A COPY command has no arguments.' },
  'EmptyCommandContent.WORKDIR': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A WORKDIR command has no arguments.' },
  'EmptyCommandContent.USER': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A USER command has no arguments.' },
  'EmptyCommandContent.RUN': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'A RUN command has no arguments.' },
  'NotEmptyCommandContent.RESTART': { status: 400, fault: 'client', doc: DOC.COMMANDS, meaning: 'RESTART was given arguments; it takes none.' },
  'InvalidParameter.BuildContent': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'BuildContent has a problem with no dedicated code (COMPONENT or LABEL syntax, component parameters).' },
  'InvalidParameter.TestContent': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'TestContent is too long or has a problem with no dedicated code.' },
  'InvalidParameter.Content': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'A component\'s Content has a problem with no dedicated code (YAML schema, parameters).' },
  'MissingParameter.Content': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'A component\'s Content is absent, blank or holds no command.' },
  'ImageComponent.NotFound': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A COMPONENT command names no component visible to the account.' },
  'InvalidImageComponent.NotSupported': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A COMPONENT command names a component of the wrong type or system, or one whose content is unusable.' },
} as const satisfies ErrorTable;
