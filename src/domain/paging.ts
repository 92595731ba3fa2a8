/**
 * Keyset paging. Every listed resource has a store-assigned sequence number that only
 * grows within its account and region; a page is "rows after sequence S, in sequence order". A row inserted while a
 * client pages lands after every existing row, so paging never skips or repeats a row.
 */
export interface PageRequest {
  /** Return rows after this sequence in the page's order (greater ascending, less descending); absent = from the start. */
  afterSeq?: number;
  /** At most this many rows (1–500 on the wire). */
  limit: number;
  /** `desc`: newest first (highest sequence first, i.e. the reverse of creation order); default `asc`. */
  order?: 'asc' | 'desc';
}

export interface Page<T> {
  items: T[];
  /** Sequence of the last returned row when more rows follow; absent on the last page. */
  nextAfterSeq?: number;
  /** Rows matching the filter, all pages together. */
  totalCount: number;
}
