import { type ComponentChildren, createContext } from 'preact';
import { useContext } from 'preact/hooks';

/**
 * The create form's inputs, bound by wire name (`ImageOptions.ImageName`) to the form's
 * values through a context, each with its label, hint and the server's error when the
 * error names that parameter. Ids are `f-<wire name>` so an error can focus its field.
 */
export interface FormBinding {
  value(wire: string): string;
  set(wire: string, value: string): void;
  /** The server's message when its error is about `wire`. */
  errorFor(wire: string): string | undefined;
}

export const FormContext = createContext<FormBinding>({ value: () => '', set: () => undefined, errorFor: () => undefined });

export const fieldId = (wire: string) => `f-${wire.replace(/[^A-Za-z0-9]/g, '-')}`;

function Described(props: { wire: string; label: string; hint?: ComponentChildren; children: ComponentChildren; class?: string }) {
  const error = useContext(FormContext).errorFor(props.wire);
  const id = fieldId(props.wire);
  return (
    <div class={`field${props.class ? ` ${props.class}` : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children}
      {props.hint ? <small class="hint" id={`${id}-hint`}>{props.hint}</small> : null}
      {error ? (
        <small class="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      ) : null}
    </div>
  );
}

function aria(wire: string, hint: unknown, error: string | undefined) {
  const id = fieldId(wire);
  const by = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { id, 'aria-describedby': by || undefined, 'aria-invalid': error ? true : undefined };
}

export function TextField(props: {
  wire: string;
  label: string;
  hint?: ComponentChildren;
  type?: 'text' | 'number';
  min?: number;
  max?: number;
  placeholder?: string;
  required?: boolean;
  list?: string;
  class?: string;
}) {
  const form = useContext(FormContext);
  const error = form.errorFor(props.wire);
  return (
    <Described wire={props.wire} label={props.label} hint={props.hint} class={props.class}>
      <input
        {...aria(props.wire, props.hint, error)}
        type={props.type ?? 'text'}
        inputMode={props.type === 'number' ? 'numeric' : undefined}
        min={props.min}
        max={props.max}
        placeholder={props.placeholder}
        required={props.required}
        list={props.list}
        value={form.value(props.wire)}
        onInput={(e) => form.set(props.wire, e.currentTarget.value)}
      />
    </Described>
  );
}

/** A choice among `options`; the first option is "(default)" (the parameter left out) unless `required`. */
export function SelectField(props: { wire: string; label: string; options: readonly string[]; hint?: ComponentChildren; required?: boolean; defaultLabel?: string }) {
  const form = useContext(FormContext);
  const error = form.errorFor(props.wire);
  return (
    <Described wire={props.wire} label={props.label} hint={props.hint}>
      <select {...aria(props.wire, props.hint, error)} value={form.value(props.wire)} onChange={(e) => form.set(props.wire, e.currentTarget.value)}>
        {props.required ? null : <option value="">{props.defaultLabel ?? '(default)'}</option>}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </Described>
  );
}

/** A boolean parameter: default (left out), true or false. */
export function BoolField(props: { wire: string; label: string; hint?: ComponentChildren; defaultLabel: string }) {
  return <SelectField wire={props.wire} label={props.label} hint={props.hint} options={['true', 'false']} defaultLabel={props.defaultLabel} />;
}
