/**
 * The response bodies the console reads, as the operations' presenters write them
 * (`src/api/operations/present-*.ts`). Only the fields the console uses are declared.
 */

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface Responses {
  [action: string]: Record<string, unknown>;
}

/** The body of a successful call of `A` (RequestId included). */
export type ResponseOf<A extends string> = A extends keyof Responses ? Responses[A] & { RequestId: string } : Record<string, unknown>;
