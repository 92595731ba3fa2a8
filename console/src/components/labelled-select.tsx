/** An option of a {@link LabelledSelect}: a value shown as itself, or `[value, text]`. */
export type SelectOption = string | readonly [value: string, text: string];

/**
 * A `<select>` wrapped in its `<label>` (so the label text is its accessible name), with its options
 * from data. The form fields of the template form, bound to its FormContext, are `SelectField`
 * (pages/templates/form/fields.tsx); this one is for page controls with their own state.
 */
export function LabelledSelect(props: {
  label: string;
  value: string;
  options: readonly SelectOption[];
  onChange(value: string): void;
  disabled?: boolean;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} disabled={props.disabled}>
        {props.options.map((o) => {
          const [value, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}
