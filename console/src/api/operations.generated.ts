// PLACEHOLDER until the generator lands (src/api/operations/spec/console-types.ts, `npm run docs`).
export type ActionName = string;
export type ParamsOf<_A extends ActionName> = Record<string, string | number | boolean | undefined>;
