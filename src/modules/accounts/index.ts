/**
 * Accounts: users, their roles, operator and owner invitations, passwords (change and reset).
 * Owns the tables users, user_roles, account_invitations and password_resets; other modules read
 * and change them only through the functions below.
 */

export {
  /** Input of an extension of the account page. */
  type AccountSectionArgs,
  /** Adds (or replaces) a section of the account page, rendered under the profile. */
  registerAccountSection,
  /** Renders every registered section of the account page, in order. */
  renderAccountSections,
} from './account-sections.ts';
export {
  /** Path of the address confirmation page in a language. */
  confirmPath,
  /** The user id and address a confirmation token was made for, or undefined. */
  readConfirmationToken,
  /** Emails a signed link (48 h) that confirms the address of a user. */
  sendConfirmationEmail,
} from './confirmation.ts';
export {
  /** Accepts an invitation (sets the password when needed, grants the role) in one transaction. */
  acceptInvitation,
  /** How long an invitation link works. */
  INVITATION_TTL_MS,
  /** What an invitation token is worth. */
  type Invitation,
  /** States of an unusable invitation. */
  type InvitationState,
  /** Roles an invitation can grant. */
  type InvitedRole,
  /** Path of the invitation page in a language. */
  invitationPath,
  /** Invites someone to a role by email (single-use link, 7 days). */
  inviteAccount,
  /** Operator accounts and pending operator invitations. */
  listOperators,
  /** Roles of operators (region and association admins). */
  OPERATOR_ROLES,
  /** An operator account with its operator roles. */
  type OperatorAccount,
  /** A region or association admin role. */
  type OperatorRole,
  /** A pending operator invitation. */
  type PendingInvitation,
  /** What an invitation token is worth (reading never uses it). */
  readInvitation,
  /** Removes every operator role of an account, its pending invitations and its sessions. */
  revokeOperator,
  /** Withdraws a pending operator invitation. */
  withdrawInvitation,
} from './invitations.service.ts';
export {
  /** Checks a sign-in (per-account lock, password, confirmed address); only `signed_in` may start a session. */
  attemptLogin,
  /** The outcome of `attemptLogin`. */
  type LoginResult,
} from './login.service.ts';
export {
  /** Changes a signed-in user's password (current one required; sessions ended, resets voided). */
  changePassword,
  /** Re-authentication: true when the password is the user's (failures count toward the lock). */
  confirmPassword,
  /** Path of the "forgot password" page in a language. */
  forgotPasswordPath,
  /** Tells the owner of an account that its password was changed. */
  sendPasswordChangedEmail,
} from './password-change.service.ts';
export {
  /** Sets a new password with a reset token (single use). */
  completePasswordReset,
  /** Resolves once every reset request started so far has finished. */
  passwordResetsSettled,
  /** How long a reset link works. */
  RESET_TTL_MS,
  /** What a reset token is worth. */
  type ResetLink,
  /** States of an unusable reset link. */
  type ResetLinkState,
  /** What a reset token is worth: valid (with its account), or unknown, expired or already used. */
  readPasswordReset,
  /** Emails a reset link when the address has an account; returns whether one was sent. */
  requestPasswordReset,
  /** Starts `requestPasswordReset` without waiting for it; failures go to the given logger. */
  requestPasswordResetLater,
  /** Path of the reset page in a language. */
  resetPasswordPath,
} from './password-reset.service.ts';
export {
  /** Hashes a password with argon2id. */
  hashPassword,
  /** The shortest password accepted. */
  MIN_PASSWORD_LENGTH,
  /** The argon2id parameters in use. */
  passwordHashing,
  /** Why a password is refused (an i18n key), or undefined when it is acceptable. */
  passwordProblem,
  /** True when the password matches the stored hash. */
  verifyPassword,
} from './passwords.ts';
export {
  /** The user behind a session cookie token (with roles), or undefined when unknown, expired or idle. */
  findSessionUser,
  /** The signed-in user of a request, with every role held. */
  type SessionUser,
} from './session-user.service.ts';
export {
  /** Signs an expiring token for a purpose. */
  signToken,
  /** The payload of a token signed for that purpose, or undefined when forged or expired. */
  verifyToken,
} from './tokens.ts';
export {
  /** A connection or a transaction (repository functions accept either). */
  type Db,
  /** Ends the user's roles matching the filter (role list, optional merchant/association scope); returns how many. */
  deleteRoles as revokeRoles,
  /** The user of an id (public fields, never the password hash), or undefined. */
  findUserById,
  /** True when the user holds that role (within the given merchant or association when set). */
  hasRole,
  /** Grants a role to a user (in the caller's transaction when given one). */
  insertRole as grantRole,
  /** One role held by a user, scoped to a merchant or an association when the role needs it. */
  type RoleGrant,
  /** A user's roles, in the order they were granted. */
  rolesOf,
  /** The public fields of a user. */
  type UserSummary,
  /** One row per (user, role) pair held. */
  type UserWithRole,
  /** Users of these ids (names and addresses for order history, staff lists); unknown ids are skipped. */
  usersByIds,
  /** Users holding one of the roles, optionally within a merchant or association or for one address. */
  usersWithRoles,
} from './users.repository.ts';
export {
  /** Checks an email and password in constant time; the user id, or undefined for any failure. */
  checkCredentials,
  /** Creates an operator account (region or association admin), its address confirmed. */
  createOperator,
  /** Validates and creates a user with the given roles (default: customer). */
  createUser,
  /** Inserts an account whose password the caller already hashed, with its roles, in the caller's transaction. */
  createUserWithHash,
  /** The normalised address schema (trimmed, lower-case, at most 254 characters). */
  emailSchema,
  /** The user of an address (normalised first), or undefined. */
  findUserByEmail,
  /** Confirms the address of a user if it is still the one the link was made for. */
  markEmailVerified,
  /** What `createUser` takes. */
  type NewUser,
  /** Trims and lower-cases an address. */
  normaliseEmail,
  /** Changes the name and language of an account. */
  updateProfile,
} from './users.service.ts';
