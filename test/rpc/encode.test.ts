import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeError, encodeSuccess, recommendUrl } from '../../src/api/rpc/encode.js';
import { escapeXmlText, xmlName } from '../../src/api/rpc/xml.js';

const RID = '4C3A2E6B-0F8B-4C1B-9E2A-1234567890AB';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

test('JSON success: application/json;charset=utf-8 and the body as is', () => {
  const r = encodeSuccess('CreateImagePipeline', { ImagePipelineId: 'ip-1', RequestId: RID }, 'JSON');
  assert.equal(r.contentType, 'application/json;charset=utf-8');
  assert.deepEqual(JSON.parse(r.payload), { ImagePipelineId: 'ip-1', RequestId: RID });
});

test('XML success: nested lists become repeated elements named by their key', () => {
  const body = {
    RequestId: RID,
    TotalCount: 2,
    NextToken: '',
    ImagePipeline: {
      ImagePipelineSet: [
        {
          ImagePipelineId: 'ip-1',
          DeleteInstanceOnFailure: true,
          SystemDiskSize: 40,
          TestContent: null,
          ImageFamily: undefined,
          ToRegionIds: { ToRegionId: ['cn-beijing', 'cn-shanghai'] },
          Tags: { Tag: [{ TagKey: 'env', TagValue: 'dev' }, { TagKey: 'team', TagValue: 'a b' }] },
          AddAccounts: { AddAccount: [] },
        },
        { ImagePipelineId: 'ip-2', DeleteInstanceOnFailure: false },
      ],
    },
  };
  const r = encodeSuccess('DescribeImagePipelines', body, 'XML');
  assert.equal(r.contentType, 'text/xml;charset=utf-8');
  assert.equal(
    r.payload,
    XML_HEAD +
      '<DescribeImagePipelinesResponse>' +
      `<RequestId>${RID}</RequestId><TotalCount>2</TotalCount><NextToken></NextToken>` +
      '<ImagePipeline>' +
      '<ImagePipelineSet>' +
      '<ImagePipelineId>ip-1</ImagePipelineId><DeleteInstanceOnFailure>true</DeleteInstanceOnFailure><SystemDiskSize>40</SystemDiskSize>' +
      '<ToRegionIds><ToRegionId>cn-beijing</ToRegionId><ToRegionId>cn-shanghai</ToRegionId></ToRegionIds>' +
      '<Tags><Tag><TagKey>env</TagKey><TagValue>dev</TagValue></Tag><Tag><TagKey>team</TagKey><TagValue>a b</TagValue></Tag></Tags>' +
      '<AddAccounts></AddAccounts>' +
      '</ImagePipelineSet>' +
      '<ImagePipelineSet><ImagePipelineId>ip-2</ImagePipelineId><DeleteInstanceOnFailure>false</DeleteInstanceOnFailure></ImagePipelineSet>' +
      '</ImagePipeline>' +
      '</DescribeImagePipelinesResponse>',
  );
});

test('XML text is escaped; control characters XML cannot carry become U+FFFD; CR is kept', () => {
  const r = encodeSuccess('X', { BuildContent: 'RUN a && b < c > d "q" \'s\'\r\n\u0001\ttab 😀' }, 'XML');
  assert.ok(r.payload.includes('<BuildContent>RUN a &amp;&amp; b &lt; c &gt; d "q" \'s\'&#13;\n\uFFFD\ttab 😀</BuildContent>'));
  assert.equal(escapeXmlText('plain'), 'plain');
  assert.equal(escapeXmlText('\uD800x'), '\uFFFDx');
});

test('XML element names are made safe; Date values use their JSON form', () => {
  assert.equal(xmlName('Good.Name-1'), 'Good.Name-1');
  assert.equal(xmlName('1bad name'), '_1bad_name');
  assert.equal(xmlName('<x>'), '_x_');
  const r = encodeSuccess('A<b', { When: new Date('2026-11-29T07:13:06Z') }, 'XML');
  assert.equal(r.payload, `${XML_HEAD}<A_bResponse><When>2026-11-29T07:13:06.000Z</When></A_bResponse>`);
});

test('JSON error body has RequestId, HostId, Code, Message and Recommend', () => {
  const r = encodeError({ code: 'InvalidImagePipeline.NotFound', message: 'not found' }, RID, 'JSON', 'ecs.aliyuncs.com');
  assert.equal(r.contentType, 'application/json;charset=utf-8');
  assert.deepEqual(JSON.parse(r.payload), {
    RequestId: RID,
    HostId: 'ecs.aliyuncs.com',
    Code: 'InvalidImagePipeline.NotFound',
    Message: 'not found',
    Recommend: `https://api.aliyun.com/troubleshoot?q=InvalidImagePipeline.NotFound&product=Ecs&requestId=${RID}`,
  });
});

test('JSON error carries AccessDeniedDetail when given', () => {
  const detail = { PolicyType: 'AccountLevelIdentityBasedPolicy', AuthAction: 'ecs:CreateImagePipeline' };
  const r = encodeError({ code: 'Forbidden.RAM', message: 'denied', accessDeniedDetail: detail }, RID, 'JSON', 'h');
  assert.deepEqual(JSON.parse(r.payload).AccessDeniedDetail, detail);
});

test('XML error body with the Recommend link in CDATA', () => {
  const r = encodeError({ code: 'SignatureDoesNotMatch', message: 'a < b & "c"\nGET&%2F&x' }, RID, 'XML', 'ecs.aliyuncs.com');
  assert.equal(r.contentType, 'text/xml;charset=utf-8');
  assert.equal(
    r.payload,
    XML_HEAD +
      `<Error><RequestId>${RID}</RequestId><HostId>ecs.aliyuncs.com</HostId><Code>SignatureDoesNotMatch</Code>` +
      '<Message>a &lt; b &amp; "c"\nGET&amp;%2F&amp;x</Message>' +
      `<Recommend><![CDATA[https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch&product=Ecs&requestId=${RID}]]></Recommend></Error>`,
  );
});

test('the Recommend link encodes its parts', () => {
  assert.equal(recommendUrl('A&B', 'x y'), 'https://api.aliyun.com/troubleshoot?q=A%26B&product=Ecs&requestId=x%20y');
});
