import type { Tag } from './tag.js';

export type SystemType = 'Linux' | 'Windows';
export type ComponentType = 'Build' | 'Test';
export type ComponentOwner = 'SELF' | 'ALIYUN';
export type ParameterType = 'String' | 'Number' | 'Boolean';

/** A parameter declared by a YAML component's `Parameters:` block. */
export interface ComponentParameter {
  name: string;
  type: ParameterType;
  defaultValue?: string;
}

/**
 * An image component: a reusable, versioned list of build or test commands.
 * Custom components (`Owner=SELF`) belong to one account and region; system components
 * (`Owner=ALIYUN`) ship with Kiln and are visible to everyone in every region.
 */
export interface ImageComponent {
  id: string;
  /** Owning account; system components use `SYSTEM_ACCOUNT_ID`. */
  accountId: string;
  regionId: string;
  name: string;
  description?: string;
  systemType: SystemType;
  componentType: ComponentType;
  componentVersion: string;
  content: string;
  owner: ComponentOwner;
  resourceGroupId?: string;
  parameters: ComponentParameter[];
  tags: Tag[];
  creationTime: string;
}

export const SYSTEM_ACCOUNT_ID = '0';
