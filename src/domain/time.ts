/** ECS timestamps: ISO-8601 UTC with no fractional seconds, e.g. `2020-11-24T06:00:00Z`. */
export function ecsTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
