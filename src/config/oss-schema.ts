import { Type, type Static } from '@sinclair/typebox';
import type { OssAccountGrant } from '../oss/oss-grants.js';

/*
 * The S3-compatible object store that BaseImageType=OSS imports and the OSSDownload/OSSUpload
 * tasks reach (`KILN_OSS_*`, or `"oss": {…}` in the KILN_CONFIG file). Without an endpoint those
 * fail with `OSS.NotConfigured`. The grant table's inner shape is checked by `ossAccountsFrom`
 * (oss/oss-grants.ts), which names the entry at fault.
 */

const ACCOUNTS_SHAPE = '{"<AccountId>": {"buckets": ["…"], "accessKeyId"?, "accessKeySecret"?, "roles"?: {"<RoleName>": {"buckets"?, "accessKeyId"?, "accessKeySecret"?}}}}';

export const OssSettingsSchema = Type.Object(
  {
    endpoint: Type.Optional(Type.String({
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/]',
      expected: 'an http(s) URL',
      docDefault: '— (no object store: OSS builds fail with `OSS.NotConfigured`)',
      description: '`http(s)://host:port` of the S3-compatible server that OSS buckets are read from and written to',
    })),
    accessKeyId: Type.Optional(Type.String({
      minLength: 1, docDefault: '— (required with an endpoint)',
      description: 'the key id Kiln signs its S3 requests with, for accounts that have no key of their own',
    })),
    accessKeySecret: Type.Optional(Type.String({
      minLength: 1, docDefault: '— (required with an endpoint)',
      description: 'the secret of that key',
    })),
    region: Type.String({ minLength: 1, default: 'us-east-1', description: 'the SigV4 signing region' }),
    pathStyle: Type.Boolean({ default: true, description: '`http://host/bucket/key` (`true`) or `http://bucket.host/key` (`false`)' }),
    accounts: Type.Unsafe<Record<string, OssAccountGrant>>(Type.Object({}, {
      default: {},
      docDefault: '`{}` (only the default account reaches OSS, every bucket)',
      expected: `a JSON object ${ACCOUNTS_SHAPE}`,
      description: `JSON: each account's grant by AccountId, \`${ACCOUNTS_SHAPE}\`; other buckets end builds \`InvalidImagePipeline.OSSObjectNotAuthorized\` and ExportImage/ImportImage tasks \`NoSetRoletoECSServiceAcount\` (see OSS above)`,
    })),
    maxObjectBytes: Type.Integer({
      minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 64 * 1024 ** 3,
      description: 'the largest object Kiln moves through the host: a `BaseImageType=OSS` object past it is refused before it is downloaded, an `OSSUpload` file past it (or past 5 GiB, one PutObject\'s limit) before it is read; both `OSS.ObjectTooLarge`',
    }),
  },
  { additionalProperties: false },
);

/** The object store settings once an endpoint is configured: its key is then required. */
export type OssConfig = Required<Static<typeof OssSettingsSchema>>;
