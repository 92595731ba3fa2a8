import type { Running } from '../main/serve.js';

/** What `kiln serve` prints: where it listens, who the default account is, and a call to try. */
export function banner(r: Pick<Running, 'credentials' | 'endpoint'>, config: { dataDir: string; databaseUrl?: string; port: number }): string {
  const { accountId, accessKeyId, accessKeySecret } = r.credentials;
  const hostPort = r.endpoint.replace(/^https?:\/\//, '');
  const insecure = r.endpoint.startsWith('http://') ? ' --insecure' : '';
  // `kiln call` finds the server through KILN_PORT: name the bound port when it is not the
  // configured one (KILN_PORT=0 picks a free port).
  const boundPort = new URL(r.endpoint).port;
  const call = boundPort !== String(config.port) ? `KILN_PORT=${boundPort} npm run kiln -- call` : 'npm run kiln -- call';
  const db = config.databaseUrl ? config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') : `SQLite (${config.dataDir}/kiln.db)`;
  return [
    `Kiln is listening on ${r.endpoint}  (ECS API 2014-05-26)`,
    `  store:            ${db}`,
    `  data dir:         ${config.dataDir}`,
    `  default account:  ${accountId}`,
    `  AccessKey id:     ${accessKeyId}`,
    `  AccessKey secret: ${accessKeySecret}`,
    `  web console:      ${r.endpoint}/console/  (sign in with this AccessKey)`,
    '',
    'Try it (signed with the default key):',
    `  ${call} DescribeRegions`,
    `  ${call} CreateImagePipeline RegionId=cn-hangzhou BaseImageType=IMAGE BaseImage=busybox_x64_20G_kiln_base.vhd 'BuildContent=RUN echo hello'`,
    '',
    'Or with the aliyun CLI:',
    `  aliyun ecs DescribeImagePipelines --RegionId cn-hangzhou --endpoint ${hostPort} --access-key-id ${accessKeyId} --access-key-secret ${accessKeySecret} --region cn-hangzhou${insecure} --force --version 2014-05-26`,
    '',
  ].join('\n');
}
