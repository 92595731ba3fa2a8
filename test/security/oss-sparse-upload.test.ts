import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createComponent } from '../support/ecs-requests.js';
import { build, uniqueName } from '../support/builds.js';
import { ossKilnFixture } from '../support/oss-kiln-fixture.js';

/*
 * Issue 8, item 5: OSSUpload of a 1 TiB sparse file, at the default settings (an object is at
 * most 5 GiB, one PutObject's limit): refused from the size the instance reports, before a byte
 * of the file is read. (On 1105ac4 this copies 1 TiB of zeros onto the host: not run there;
 * test/security/oss-object-size.test.ts shows the old copy of a smaller sparse file.)
 */

const BUCKET = 'sparse';
const oss = ossKilnFixture({ buckets: [BUCKET] });

describe('security: OSSUpload of a sparse file', () => {
  test('1 TiB in /tmp: FAILED with OSS.ObjectTooLarge at once, nothing uploaded', async () => {
    const componentId = await createComponent(oss.v3, {
      name: uniqueName('oss-sparse'),
      content: ['Tasks:', '  - Name: send', '    Action: OSSUpload', '    Properties:',
        `      bucketName: ${BUCKET}`, '      fileToUpload: /tmp/sparse', '      objectName: out/sparse'].join('\n'),
    });
    const { item } = await build(oss.v3, { buildContent: `RUN truncate -s 1099511627776 /tmp/sparse\nCOMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'OSS.ObjectTooLarge', JSON.stringify(item));
    assert.match(item.errorInfo ?? '', /holds 1099511627776 bytes, more than the 5368709120 bytes one PutObject request may carry/);
    assert.equal(await oss.s3.get(BUCKET, 'out/sparse'), undefined);
  });
});
