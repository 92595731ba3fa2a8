import { DOC, type ErrorTable } from './spec.js';

/** Codes of CreateImageComponent, DescribeImageComponents and DeleteImageComponent (reference §2.7–2.9). */
export const COMPONENT_CODES = {
  'InvalidSystemType.NotSupportedValue': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'SystemType is not Linux or Windows.' },
  'InvalidComponentType.NotSupportedValue': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'ComponentType is not Build or Test.' },
  'InvalidParameter.ComponentVersion': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'ComponentVersion is not <major>.<minor>.<patch> (or, as a filter, a pattern with at most one *).' },
  'InvalidComponentVersion.Exist': {
    status: 403, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'A component with this Name and ComponentVersion exists already.',
    message: () => 'The specified ComponentVersion does exist with the specified Name.',
  },
  'InvalidParameter.Owner': {
    status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGE_COMPONENTS, meaning: 'Owner is not SELF or ALIYUN.',
    message: () => 'The specified parameter "Owner" is not valid.',
  },
  'InvalidImageComponentIdSize.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGE_COMPONENTS, meaning: 'Too many ImageComponentId values.' },
  'InvalidImageComponent.InUse': {
    status: 403, fault: 'client', doc: DOC.DELETE_IMAGE_COMPONENT, meaning: 'A template uses the component.',
    message: () => 'The current component is being used by the image pipeline and cannot be deleted.',
  },
  'InvalidImageComponent.NotFound': {
    status: 404, fault: 'client', doc: DOC.DELETE_IMAGE_COMPONENT, meaning: 'The ImageComponentId names no component of the account in the region.',
    message: (p: { id: string }) => `The specified image component "${p.id}" does not exist.`,
  },
} as const satisfies ErrorTable;
