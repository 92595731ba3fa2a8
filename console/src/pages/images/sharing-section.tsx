import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import { ErrorBanner, useAsync } from '../../components/async';
import { Pager } from '../../components/pager';

const PAGE_SIZE = 20;

/** The accounts the image is shared with; share with one more, unshare one. */
export function SharingSection(props: { imageId: string; region: string; onChanged(): void }) {
  const [page, setPage] = useState(1);
  const shares = useAsync(
    (signal) => call('DescribeImageSharePermission', { RegionId: props.region, ImageId: props.imageId, PageNumber: page, PageSize: PAGE_SIZE }, signal),
    [props.imageId, props.region, page],
  );
  const [account, setAccount] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const change = async (params: Record<string, string>, what: string) => {
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      await call('ModifyImageSharePermission', { RegionId: props.region, ImageId: props.imageId, ...params });
      setDone(what);
      shares.reload();
      props.onChanged();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const accounts = shares.value?.Accounts.Account ?? [];
  return (
    <section class="card sharing" aria-labelledby="sharing-title">
      <h2 id="sharing-title">Sharing</h2>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const id = account.trim();
          if (id && (await change({ 'AddAccount.1': id }, `Shared with ${id}.`))) setAccount('');
        }}
      >
        <label>
          Account ID
          <input value={account} inputMode="numeric" required onInput={(e) => setAccount(e.currentTarget.value)} placeholder="the account to share with" />
        </label>
        <button type="submit" class="primary" disabled={busy || !account.trim()}>
          Share
        </button>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
      <p class="hint" role="status">{done}</p>
      {shares.error ? <ErrorBanner error={shares.error} /> : null}
      {shares.value && accounts.length === 0 ? <p class="hint">Not shared with any account.</p> : null}
      {accounts.length > 0 ? (
        <ul class="share-list" aria-label="Shared with">
          {accounts.map((a) => (
            <li key={a.AliyunId}>
              <span class="mono">{a.AliyunId}</span>
              <button type="button" disabled={busy} aria-label={`Unshare from ${a.AliyunId}`} onClick={() => change({ 'RemoveAccount.1': a.AliyunId }, `Unshared from ${a.AliyunId}.`)}>
                Unshare
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {shares.value && shares.value.TotalCount > PAGE_SIZE ? (
        <Pager page={page} pageSize={PAGE_SIZE} total={shares.value.TotalCount} hasNext={page * PAGE_SIZE < shares.value.TotalCount} onPage={setPage} />
      ) : null}
    </section>
  );
}
