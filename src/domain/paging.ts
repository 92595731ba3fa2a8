/**
 * Keyset paging. Every listed resource has a store-assigned sequence number that only
 * grows within its account and region; a page is "rows after sequence S, in sequence order". A row inserted while a
 * client pages lands after every existing row, so paging never skips or repeats a row.
 */
export interface PageRequest {
  /** Return rows whose sequence is greater than this; absent = from the start. */
  afterSeq?: number;
  /** At most this many rows (1–500 on the wire). */
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Sequence of the last returned row when more rows follow; absent on the last page. */
  nextAfterSeq?: number;
  /** Rows matching the filter, all pages together. */
  totalCount: number;
}
