// Minimal typings for @alicloud/pop-core 1.8 (the package ships none): the RPC client only.
declare module '@alicloud/pop-core' {
  interface RPCClientOptions {
    accessKeyId: string;
    accessKeySecret: string;
    endpoint: string;
    apiVersion: string;
    securityToken?: string;
    codes?: Array<string | number>;
    opts?: Record<string, unknown>;
  }
  interface RequestOptions {
    method?: 'GET' | 'POST';
    formatParams?: boolean;
    timeout?: number;
    headers?: Record<string, string>;
  }
  export default class RPCClient {
    constructor(options: RPCClientOptions);
    request<T = Record<string, unknown>>(action: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<T>;
  }
}
