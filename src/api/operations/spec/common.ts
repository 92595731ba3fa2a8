import { MAX_RESULTS_DEFAULT, MAX_RESULTS_LIMIT } from '../../../app/next-token.js';
import { type ListOptions, int, notAnInteger, objects, str, violation } from './build.js';

/*
 * Parameters many operations share, each with the one error its violations answer with.
 */

/** `RegionId`: required; whether the region exists is the app's lookup (`InvalidRegionId.NotFound`), made before the other parameters are read (`defineRegionalOperation`). */
export const regionId = str('RegionId', { required: true, doc: 'The region of the request, checked before any other parameter: one of this Kiln\'s regions (InvalidRegionId.NotFound).' });

/** `ClientToken`: makes a create idempotent (checked by the app's idempotency rule). */
export const clientToken = str('ClientToken', { doc: 'Idempotency token: at most 64 printable ASCII characters (InvalidParameter.ClientToken).' });

/** `NextToken`: the keyset position a previous page returned (`Invalid.NextToken` when not Kiln's). */
export const nextToken = str('NextToken', { doc: 'The position a previous page returned (Invalid.NextToken).' });

/** `<wire>.N.Key` / `<wire>.N.Value`; a missing Key or Value is the empty string. Keys and values are checked by the domain's tag rules. */
export function tags(wire = 'Tag', o: Omit<ListOptions, 'csv'> = {}) {
  return objects(wire, { key: str('Key', { default: '' }), value: str('Value', { default: '' }) }, { doc: 'Tags; keys and values follow the tag rules (InvalidTagKey.Malformed, InvalidTagValue.Malformed, Duplicate.TagKey, InvalidTagCount).', ...o });
}

/** `MaxResults` of the keyset-paged Describe calls: 1–500, default 50. */
export const maxResults = int('MaxResults', {
  type: notAnInteger('InvalidParameter.MaxResults'),
  range: {
    min: 1,
    max: MAX_RESULTS_LIMIT,
    violation: violation('InvalidParameter.MaxResults', (c) => `The specified MaxResults ${c.value} is not valid: it must be from 1 to ${MAX_RESULTS_LIMIT}.`),
  },
  default: MAX_RESULTS_DEFAULT,
});

/** `PageNumber` of the numbered-page Describe calls: from 1, default 1. */
export const pageNumber = int('PageNumber', {
  range: { min: 1, violation: violation('InvalidParameter.PageNumber', () => 'The specified PageNumber must be 1 or greater.') },
  default: 1,
});

/** `PageSize` of the numbered-page Describe calls: 1–100, default 10. */
export const pageSize = int('PageSize', {
  range: { min: 1, max: 100, violation: violation('InvalidParameter.PageSize', () => 'The specified PageSize must be from 1 to 100.') },
  default: 10,
});
