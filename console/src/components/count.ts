/**
 * A count with its noun, singular for one: `counted(1, 'line')` is "1 line", `counted(1048659,
 * 'line')` "1,048,659 lines", `counted(2, 'match', 'matches')` "2 matches".
 */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
