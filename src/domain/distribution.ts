/** A distribution target that was not reached: what it was, and the refusal's code and message (see `execution-messages/`). */
export interface DistributionProblem {
  target: { regionId: string } | { accountId: string };
  code: string;
  message: string;
}
