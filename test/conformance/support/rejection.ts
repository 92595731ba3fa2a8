import { expectCode } from '../../support/ecs-requests.js';

/**
 * Runs `call`, which must fail with the ECS error `code` and HTTP `status`, and returns the
 * error's Message (the create-error suites assert on it).
 */
export async function rejectionMessage(call: () => Promise<unknown>, code: string, status: number): Promise<string> {
  const e = await expectCode(call, code, status);
  return e.data.Message as string;
}
