/** A region Kiln serves. `DescribeRegions` lists them; every resource lives in one. */
export interface Region {
  regionId: string;
  localName: string;
}

/** The default region list: real Alibaba Cloud region ids, so existing templates and scripts work unchanged. */
export const DEFAULT_REGIONS: readonly Region[] = [
  { regionId: 'cn-qingdao', localName: '华北1（青岛）' },
  { regionId: 'cn-beijing', localName: '华北2（北京）' },
  { regionId: 'cn-zhangjiakou', localName: '华北3（张家口）' },
  { regionId: 'cn-huhehaote', localName: '华北5（呼和浩特）' },
  { regionId: 'cn-wulanchabu', localName: '华北6（乌兰察布）' },
  { regionId: 'cn-hangzhou', localName: '华东1（杭州）' },
  { regionId: 'cn-shanghai', localName: '华东2（上海）' },
  { regionId: 'cn-nanjing', localName: '华东5（南京-本地地域）' },
  { regionId: 'cn-fuzhou', localName: '华东6（福州-本地地域）' },
  { regionId: 'cn-shenzhen', localName: '华南1（深圳）' },
  { regionId: 'cn-heyuan', localName: '华南2（河源）' },
  { regionId: 'cn-guangzhou', localName: '华南3（广州）' },
  { regionId: 'cn-chengdu', localName: '西南1（成都）' },
  { regionId: 'cn-hongkong', localName: '中国香港' },
  { regionId: 'ap-northeast-1', localName: '日本（东京）' },
  { regionId: 'ap-northeast-2', localName: '韩国（首尔）' },
  { regionId: 'ap-southeast-1', localName: '新加坡' },
  { regionId: 'ap-southeast-3', localName: '马来西亚（吉隆坡）' },
  { regionId: 'ap-southeast-5', localName: '印度尼西亚（雅加达）' },
  { regionId: 'ap-southeast-6', localName: '菲律宾（马尼拉）' },
  { regionId: 'ap-southeast-7', localName: '泰国（曼谷）' },
  { regionId: 'us-east-1', localName: '美国（弗吉尼亚）' },
  { regionId: 'us-west-1', localName: '美国（硅谷）' },
  { regionId: 'eu-west-1', localName: '英国（伦敦）' },
  { regionId: 'eu-central-1', localName: '德国（法兰克福）' },
  { regionId: 'me-east-1', localName: '阿联酋（迪拜）' },
  { regionId: 'me-central-1', localName: '沙特（利雅得）' },
];
