const TONE: Record<string, string> = {
  SUCCESS: 'ok', Available: 'ok', PARTITION_SUCCESS: 'warn', Finished: 'ok',
  FAILED: 'bad', TEST_FAILED: 'bad', CreateFailed: 'bad', UnAvailable: 'bad', Failed: 'bad',
  CANCELLED: 'muted', CANCELLING: 'muted', Deprecated: 'muted', Cancelled: 'muted',
};

/** A status as a coloured badge (colour plus text: never colour alone). */
export function StatusBadge(props: { status: string | undefined }) {
  const s = props.status ?? 'UNKNOWN';
  return <span class={`badge badge-${TONE[s] ?? 'busy'}`}>{s}</span>;
}
