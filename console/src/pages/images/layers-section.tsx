import { imageLayers } from '../../api/layers';
import { ErrorBanner, useAsync } from '../../components/async';
import { formatBytes } from '../../components/format';

/** The image's layers, bottom first: size and the step that made each, and the total. */
export function LayersSection(props: { imageId: string; region: string }) {
  const layers = useAsync((signal) => imageLayers(props.imageId, props.region, signal), [props.imageId, props.region]);
  const list = layers.value?.Layers ?? [];
  const total = list.reduce((n, l) => n + l.Size, 0);
  return (
    <section class="card layers" aria-labelledby="layers-title">
      <h2 id="layers-title">
        Layers {layers.value ? <small class="hint">{list.length} · {formatBytes(total)} in all</small> : null}
      </h2>
      {layers.error ? <ErrorBanner error={layers.error} /> : null}
      {layers.loading && !layers.value ? <p class="loading">Loading…</p> : null}
      {layers.value && list.length === 0 ? <p class="hint">This image has no layers.</p> : null}
      {list.length > 0 ? (
        <div class="table-wrap">
          <table class="layers-table">
            <caption class="visually-hidden">Layers of {props.imageId}, bottom first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Made by</th>
                <th scope="col">Size</th>
                <th scope="col" class="digest">Digest</th>
              </tr>
            </thead>
            <tbody>
              {list.map((l, i) => (
                <tr key={`${l.Digest}-${i}`}>
                  <td>{i + 1}</td>
                  <td class="layer-step">
                    <code>{l.CreatedBy || '—'}</code>
                  </td>
                  <td class="nowrap">{formatBytes(l.Size)}</td>
                  <td class="mono digest" title={l.Digest}>
                    {l.Digest.replace(/^sha256:/, '').slice(0, 12)}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>Total</th>
                <td class="nowrap">{formatBytes(total)}</td>
                <td class="digest" />
              </tr>
            </tfoot>
          </table>
        </div>
      ) : null}
    </section>
  );
}
