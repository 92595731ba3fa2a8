/** A region Kiln serves. `DescribeRegions` lists them; every resource lives in one. */
export interface Region {
  regionId: string;
  /** The Chinese name, as DescribeRegions answers by default (AcceptLanguage zh-CN). */
  localName: string;
  /** The name for AcceptLanguage en-US (and ja). */
  englishName?: string;
}

/** The default region list: real Alibaba Cloud region ids, so existing templates and scripts work unchanged. */
export const DEFAULT_REGIONS: readonly Region[] = [
  { regionId: 'cn-qingdao', localName: '华北1（青岛）', englishName: 'China (Qingdao)' },
  { regionId: 'cn-beijing', localName: '华北2（北京）', englishName: 'China (Beijing)' },
  { regionId: 'cn-zhangjiakou', localName: '华北3（张家口）', englishName: 'China (Zhangjiakou)' },
  { regionId: 'cn-huhehaote', localName: '华北5（呼和浩特）', englishName: 'China (Hohhot)' },
  { regionId: 'cn-wulanchabu', localName: '华北6（乌兰察布）', englishName: 'China (Ulanqab)' },
  { regionId: 'cn-hangzhou', localName: '华东1（杭州）', englishName: 'China (Hangzhou)' },
  { regionId: 'cn-shanghai', localName: '华东2（上海）', englishName: 'China (Shanghai)' },
  { regionId: 'cn-nanjing', localName: '华东5（南京-本地地域）', englishName: 'China (Nanjing - Local Region)' },
  { regionId: 'cn-fuzhou', localName: '华东6（福州-本地地域）', englishName: 'China (Fuzhou - Local Region)' },
  { regionId: 'cn-shenzhen', localName: '华南1（深圳）', englishName: 'China (Shenzhen)' },
  { regionId: 'cn-heyuan', localName: '华南2（河源）', englishName: 'China (Heyuan)' },
  { regionId: 'cn-guangzhou', localName: '华南3（广州）', englishName: 'China (Guangzhou)' },
  { regionId: 'cn-chengdu', localName: '西南1（成都）', englishName: 'China (Chengdu)' },
  { regionId: 'cn-hongkong', localName: '中国香港', englishName: 'China (Hong Kong)' },
  { regionId: 'ap-northeast-1', localName: '日本（东京）', englishName: 'Japan (Tokyo)' },
  { regionId: 'ap-northeast-2', localName: '韩国（首尔）', englishName: 'South Korea (Seoul)' },
  { regionId: 'ap-southeast-1', localName: '新加坡', englishName: 'Singapore' },
  { regionId: 'ap-southeast-3', localName: '马来西亚（吉隆坡）', englishName: 'Malaysia (Kuala Lumpur)' },
  { regionId: 'ap-southeast-5', localName: '印度尼西亚（雅加达）', englishName: 'Indonesia (Jakarta)' },
  { regionId: 'ap-southeast-6', localName: '菲律宾（马尼拉）', englishName: 'Philippines (Manila)' },
  { regionId: 'ap-southeast-7', localName: '泰国（曼谷）', englishName: 'Thailand (Bangkok)' },
  { regionId: 'us-east-1', localName: '美国（弗吉尼亚）', englishName: 'US (Virginia)' },
  { regionId: 'us-west-1', localName: '美国（硅谷）', englishName: 'US (Silicon Valley)' },
  { regionId: 'eu-west-1', localName: '英国（伦敦）', englishName: 'UK (London)' },
  { regionId: 'eu-central-1', localName: '德国（法兰克福）', englishName: 'Germany (Frankfurt)' },
  { regionId: 'me-east-1', localName: '阿联酋（迪拜）', englishName: 'UAE (Dubai)' },
  { regionId: 'me-central-1', localName: '沙特（利雅得）', englishName: 'Saudi Arabia (Riyadh)' },
];
