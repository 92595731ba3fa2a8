import { KilnError, invalidParameter, missingParameter } from '../../domain/errors.js';

/**
 * Typed reads over the flat RPC parameter map (`Tag.1.Key=…`, `ImageOptions.ImageName=…`).
 * This is the wire layer: it turns text into numbers, booleans and lists and knows the
 * flattening conventions; the rules about values (ranges, patterns) live in the domain.
 *
 * Lists are 1-based (`ToRegionId.1`); official clients may leave gaps where they skipped a
 * null entry, so indexes are collected and sorted rather than counted from 1.
 */
export class WireParams {
  constructor(private readonly params: Readonly<Record<string, string>>) {}

  /** A string, or undefined when absent. Empty strings count as absent (SDKs send them for unset fields). */
  str(name: string): string | undefined {
    const v = this.params[name];
    return v === undefined || v === '' ? undefined : v;
  }

  /** A string that must be present and non-empty (`MissingParameter.<Name>` otherwise). */
  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** An integer; `invalidCode` names the documented code for a value that is not one. */
  int(name: string, invalidCode?: string): number | undefined {
    return this.intOf(name, this.str(name), invalidCode);
  }

  /** `int` for a value already read (an object-list field); `name` labels it in errors. */
  intOf(name: string, v: string | undefined, invalidCode?: string): number | undefined {
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d{1,15}$/.test(v.trim())) {
      if (invalidCode) throw new KilnError(invalidCode, `The specified ${name} "${v}" is not supported: an integer is expected.`);
      throw invalidParameter(name, 'an integer is expected.');
    }
    return Number(v.trim());
  }

  /** A boolean written `true`/`false` (any case). */
  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidParameter(name, 'true or false is expected.');
  }

  /** Indexes N present for keys `<prefix>.N` or `<prefix>.N.<sub>`, ascending. */
  private indexes(prefix: string): number[] {
    const found = new Set<number>();
    const head = `${prefix}.`;
    for (const key of Object.keys(this.params)) {
      if (!key.startsWith(head)) continue;
      const rest = key.slice(head.length);
      const m = /^(\d{1,6})(?:\.|$)/.exec(rest);
      if (m) found.add(Number(m[1]));
    }
    return [...found].filter((n) => n >= 1).sort((a, b) => a - b);
  }

  /** A repeated scalar list: `<name>.1`, `<name>.2`, … (empty entries dropped). */
  list(name: string): string[] {
    return this.indexes(name)
      .map((n) => this.str(`${name}.${n}`))
      .filter((v): v is string => v !== undefined);
  }

  /**
   * A repeated scalar list that clients may also send as one comma-separated value
   * (`ImageId=a,b`), as several ECS Describe calls allow.
   */
  listOrCsv(name: string): string[] {
    const single = this.str(name);
    const items = single !== undefined ? single.split(',') : this.list(name);
    return items.map((s) => s.trim()).filter((s) => s !== '');
  }

  /** A repeated object list: `<name>.N.<field>`; an entry appears when any of its fields is present. */
  objects<F extends string>(name: string, fields: readonly F[]): Array<Partial<Record<F, string>>> {
    return this.indexes(name).map((n) => {
      const entry: Partial<Record<F, string>> = {};
      for (const f of fields) {
        const v = this.params[`${name}.${n}.${f}`];
        if (v !== undefined) entry[f] = v;
      }
      return entry;
    });
  }

  /** Tags from `<name>.N.Key` / `<name>.N.Value` (a missing Value is the empty string). */
  tags(name = 'Tag'): Array<{ key: string; value: string }> {
    return this.objects(name, ['Key', 'Value'] as const).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' }));
  }

  /** True when any key starts with `<prefix>.` (an object parameter such as ImageOptions was sent). */
  has(prefix: string): boolean {
    const head = `${prefix}.`;
    return Object.keys(this.params).some((k) => k.startsWith(head) && this.params[k] !== '');
  }
}
