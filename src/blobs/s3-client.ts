import { S3Client } from '@aws-sdk/client-s3';

/**
 * Where the blob store's S3-compatible server is and how to sign for it (`KILN_S3_*`). Each
 * field left out is found as the AWS SDK finds it: `AWS_REGION`, `AWS_ACCESS_KEY_ID` /
 * `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, `~/.aws/*`, instance metadata…
 */
export interface S3ClientSettings {
  /** `http(s)://host:port`; absent: AWS S3 itself. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `http://host/bucket/key`; default: true with an endpoint (what self-hosted servers want), false without. */
  forcePathStyle?: boolean;
  /** How long a connection may take to open (default 10 s). */
  connectionTimeoutMs?: number;
  /**
   * How long a connection may stay silent while a request is under way (default 60 s): no
   * response head, or no byte of the body, for that long fails the request (the SDK retries it)
   * or errors the body stream being read. Without it a server that accepts and never answers,
   * or stops midway through a body, would hang every reader of that blob forever. An idle
   * bound, not a total one: a large layer streams for as long as bytes keep coming.
   */
  idleTimeoutMs?: number;
}

/** An S3 client for the blob store (one per process: it keeps the connections). */
export function s3ClientOf(s: S3ClientSettings): S3Client {
  const region = s.region ?? (s.endpoint && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION ? 'us-east-1' : undefined);
  return new S3Client({
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: s.forcePathStyle ?? s.endpoint !== undefined,
    ...(s.accessKeyId && s.secretAccessKey ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } } : {}),
    // The SDK's default CRC32 trailers send bodies as `aws-chunked`, which several S3-compatible
    // servers store verbatim or refuse: checksum only when the operation requires it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // the SDK's Node handler (@smithy/node-http-handler) sets no timeout by default; its
    // `requestTimeout` ends at the response head and counts the upload of a part, so it bounds
    // the wrong thing for large blobs: the socket's idle timeout covers the head and the body
    requestHandler: { connectionTimeout: s.connectionTimeoutMs ?? 10_000, socketTimeout: s.idleTimeoutMs ?? 60_000 },
  });
}
