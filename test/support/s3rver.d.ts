// Minimal typings for s3rver 3.7 (the package ships none): what the tests use.
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }
  class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<{ address: string; family: string; port: number }>;
    close(): Promise<void>;
    /** The listening server, once `run` resolved. */
    httpServer?: import('node:http').Server;
  }
  export default S3rver;
}

// s3rver's key registry: every key id it accepts (it checks key ids, not SigV4 signatures).
declare module 's3rver/lib/models/account.js' {
  class AWSAccount {
    constructor(accountId: number, displayName: string);
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  }
  export default AWSAccount;
}
