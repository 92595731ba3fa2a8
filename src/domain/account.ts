/** A tenant. Ids are numeric strings, as Alibaba Cloud account ids (AliUid) are. */
export interface Account {
  id: string;
  name: string;
  creationTime: string;
}

/** An AccessKey pair that signs requests on behalf of an account. */
export interface AccessKey {
  id: string;
  secret: string;
  accountId: string;
  status: 'Active' | 'Inactive';
  creationTime: string;
}

export interface ResourceGroup {
  id: string;
  accountId: string;
  name: string;
  isDefault: boolean;
}
