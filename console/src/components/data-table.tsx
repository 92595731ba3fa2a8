import './data-table.css';
import type { ComponentChildren } from 'preact';

/** One column of a {@link DataTable}: its header and what each row shows in it. */
export interface Column<T> {
  /** The header text; in the `cards` layout also each cell's label on phones (`data-label`). */
  label: string;
  /** The header is for screen readers only (e.g. a column of row actions). */
  hiddenLabel?: boolean;
  /** Class of the column's cells (e.g. `nowrap`, `mono`, `wrap`). */
  class?: string;
  cell(row: T): ComponentChildren;
}

/**
 * A list table: a caption for screen readers, a header row and a row per item, from column definitions.
 * On phones (≤ 720 px) the rows become cards: `cards` labels each cell with its column (`cards-on-phone`,
 * `data-label`), `stack` stacks the cells unlabelled (`stack-on-phone`).
 * `emptyRow` (shown when `rows` is empty and not null) fills one full-width row; pages that explain an
 * empty list below the table instead render their own paragraph.
 */
export function DataTable<T>(props: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): string;
  layout: 'cards' | 'stack';
  /** Extra table class (the page's own styles). */
  class?: string;
  emptyRow?: ComponentChildren;
}) {
  const { columns, layout } = props;
  const tableClass = [props.class, layout === 'cards' ? 'cards-on-phone' : 'stack-on-phone'].filter(Boolean).join(' ');
  return (
    <table class={tableClass}>
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.label} scope="col">
              {c.hiddenLabel ? <span class="visually-hidden">{c.label}</span> : c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)}>
            {columns.map((c) => (
              <td key={c.label} class={c.class} data-label={layout === 'cards' ? c.label : undefined}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
        {props.rows.length === 0 && props.emptyRow != null ? (
          <tr>
            <td colSpan={columns.length} class="empty">
              {props.emptyRow}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}
