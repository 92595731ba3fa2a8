import type { ComponentChildren } from 'preact';

/**
 * The filter toolbar of a list page: its fields, a "Filter" button that applies them (the page puts them
 * in the address, e.g. with `setFilters`), and a "Clear" button when `onClear` is given.
 */
export function FilterForm(props: { label: string; onApply(): void; onClear?: () => void; children: ComponentChildren }) {
  return (
    <form
      class="toolbar filters"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply();
      }}
    >
      {props.children}
      <button type="submit">Filter</button>
      {props.onClear ? (
        <button type="button" onClick={props.onClear}>
          Clear
        </button>
      ) : null}
    </form>
  );
}
