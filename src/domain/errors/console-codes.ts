import { DOC, type ErrorTable } from './spec.js';

/** Codes of the web console's own routes (`/console/api/…`): signing in, sessions and CSRF. */
export const CONSOLE_CODES = {
  'Console.SignInFailed': {
    status: 401, fault: 'client', doc: DOC.KILN,
    meaning: 'Console sign-in: the AccessKey ID or its secret is wrong (one answer for both, so ids cannot be probed).',
    message: () => 'The AccessKey ID or AccessKey secret is not correct.',
  },
  'Console.SessionRequired': {
    status: 401, fault: 'client', doc: DOC.KILN,
    meaning: 'A console route was called without a live session: none, signed out, idle or past its absolute lifetime, or its AccessKey was disabled.',
    message: () => 'Sign in to the console: there is no session, or it has expired or been signed out.',
  },
  'Console.CsrfTokenInvalid': {
    status: 403, fault: 'client', doc: DOC.KILN,
    meaning: 'A state-changing console call lacked the session\'s CSRF token (`X-Kiln-Csrf`), carried a wrong one, or came from another origin.',
    message: () => 'The request has no valid CSRF token for this session. Reload the console and try again.',
  },
  'Throttling.SignIn': {
    status: 429, fault: 'client', doc: DOC.KILN,
    meaning: 'Console sign-in: too many failed attempts from this client address or for this AccessKey ID recently; wait and retry.',
    message: () => 'Too many failed sign-in attempts. Wait a minute and try again.',
  },
} as const satisfies ErrorTable;
