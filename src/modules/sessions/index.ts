/**
 * Sessions: signed-in browsers (cookie tokens, idle and absolute timeouts) and the failed-login
 * lock per address. Owns the tables sessions and login_failures. The user behind a session
 * (with roles) is read by accounts' `findSessionUser`.
 */
export {
  /** A session ends this long after login, whatever happens. */
  ABSOLUTE_TIMEOUT_MS,
  /** True when the account had too many failed logins recently (the password is then not checked). */
  accountLocked,
  /** Forgets the address's failed logins (in the caller's transaction when given). */
  clearLoginFailures,
  /** How many browsers the user is signed in on (sessions not yet expired). */
  countUserSessions,
  /** Creates a session for a user; returns the cookie token (shown only to the browser) and its expiry. */
  createSession,
  /** Ends every session of a user but the one asking; returns how many. */
  deleteOtherSessions,
  /** Ends one session (logout), by its id. */
  deleteSession,
  /** Ends every session of a user (in the caller's transaction when given). */
  deleteUserSessions,
  /** Window over which failed logins are counted. */
  FAILURE_WINDOW_MS,
  /** The live session behind a cookie token (`{ id, userId }`), or undefined; dead ones are deleted. */
  findSession,
  /** SHA-256 (hex) of a cookie token, as stored. */
  hashToken,
  /** A session ends after this long without a request. */
  IDLE_TIMEOUT_MS,
  /** Failed logins per address within the window that lock further attempts. */
  MAX_FAILURES_PER_ACCOUNT,
  /** Records a failed login for an address. */
  recordLoginFailure,
  /** The password was right: the reserved attempt does not count as a failure. */
  releaseLoginAttempt,
  /** Takes one of the address's password checks for the window; undefined when locked. */
  reserveLoginAttempt,
} from './sessions.service.ts';
