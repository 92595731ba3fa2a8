import { COMPONENT_TYPES, SYSTEM_TYPES } from '../../../domain/component-rules.js';
import { notSupported, str } from './build.js';

/* The parameters CreateImageComponent and DescribeImageComponents share. */

/** `SystemType`: Linux or Windows. */
export const systemType = str('SystemType', { enum: { values: SYSTEM_TYPES, violation: notSupported('InvalidSystemType.NotSupportedValue') } });

/** `ComponentType`: Build or Test. */
export const componentType = str('ComponentType', { enum: { values: COMPONENT_TYPES, violation: notSupported('InvalidComponentType.NotSupportedValue') } });
