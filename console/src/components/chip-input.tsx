import './controls.css';
import { useId, useState } from 'preact/hooks';

/**
 * A list of short values typed one by one (account ids, region ids): Enter, comma or space
 * adds what was typed, each value is a chip with its own remove button, Backspace in the
 * empty box removes the last one. `accept` refuses a value with the reason shown.
 */
export function ChipInput(props: {
  label: string;
  values: readonly string[];
  onChange(values: string[]): void;
  accept?(value: string): string | undefined;
  max?: number;
  hint?: string;
  error?: string;
  placeholder?: string;
  id?: string;
}) {
  const id = props.id ?? `chips-${useId()}`;
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const add = (raw: string) => {
    const parts = raw.split(/[\s,]+/).map((v) => v.trim()).filter(Boolean);
    if (parts.length === 0) return;
    const next = [...props.values];
    for (const v of parts) {
      const why = props.accept?.(v) ?? (next.includes(v) ? `${v} is already in the list` : undefined)
        ?? (props.max !== undefined && next.length >= props.max ? `At most ${props.max} values` : undefined);
      if (why) {
        setProblem(why);
        props.onChange(next);
        return;
      }
      next.push(v);
    }
    setProblem(undefined);
    setText('');
    props.onChange(next);
  };
  const message = problem ?? props.error;
  return (
    <div class="chip-input">
      <label for={id}>{props.label}</label>
      {props.hint ? <small class="hint" id={`${id}-hint`}>{props.hint}</small> : null}
      <div class={`chip-box${message ? ' invalid' : ''}`}>
        {props.values.length > 0 ? (
          <ul class="chips" aria-label="Chosen values">
            {props.values.map((v) => (
              <li key={v} class="chip">
                <span>{v}</span>
                <button type="button" class="chip-remove" aria-label={`Remove ${v}`} onClick={() => props.onChange(props.values.filter((x) => x !== v))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <input
          id={id}
          value={text}
          placeholder={props.placeholder}
          aria-invalid={message ? true : undefined}
          aria-describedby={[props.hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
          onInput={(e) => setText(e.currentTarget.value)}
          onBlur={() => add(text)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',' || e.key === ' ') {
              e.preventDefault();
              add(text);
            } else if (e.key === 'Backspace' && text === '' && props.values.length > 0) {
              props.onChange(props.values.slice(0, -1));
            }
          }}
        />
      </div>
      {message ? <small class="field-error" id={`${id}-error`}>{message}</small> : null}
    </div>
  );
}
