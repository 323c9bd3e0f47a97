import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, Role } from '../../db/schema.ts';
import { ValidationError } from '../../lib/errors.ts';
import { hashPassword, passwordProblem } from './passwords.ts';

export {
  hashPassword,
  MIN_PASSWORD_LENGTH,
  passwordHashing,
  passwordProblem,
  verifyPassword,
} from './passwords.ts';

const emailSchema = z.string().trim().toLowerCase().email();

/** Creates an operator account (region or association admin). */
export async function createOperator(
  db: Kysely<DB>,
  input: {
    email: string;
    password: string;
    role: 'region_admin' | 'association_admin';
    association?: string;
  },
): Promise<{ user_id: number; email: string; role: Role; association?: string }> {
  const issues = [];
  const email = emailSchema.safeParse(input.email);
  if (!email.success) issues.push({ field: 'email', message: 'field.invalid_email' });
  const pwProblem = passwordProblem(input.password, [input.email.split('@')[0] ?? '']);
  if (pwProblem) issues.push({ field: 'password', message: pwProblem });
  let associationId: number | null = null;
  if (input.role === 'association_admin') {
    if (!input.association) issues.push({ field: 'association', message: 'field.required' });
    else {
      const a = await db
        .selectFrom('associations')
        .select('id')
        .where('slug', '=', input.association)
        .executeTakeFirst();
      if (!a)
        issues.push({
          field: 'association',
          message: 'merchant.unknown_association',
          params: { slugs: input.association },
        });
      else associationId = a.id;
    }
  }
  if (issues.length || !email.success) throw new ValidationError(issues);
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.data)
    .executeTakeFirst();
  if (existing) throw new ValidationError([{ field: 'email', message: 'account.email_taken' }]);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const u = await trx
      .insertInto('users')
      .values({ email: email.data, password_hash: passwordHash, email_verified_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('user_roles')
      .values({ user_id: u.id, role: input.role, association_id: associationId, merchant_id: null })
      .execute();
    return {
      user_id: u.id,
      email: email.data,
      role: input.role,
      ...(input.association ? { association: input.association } : {}),
    };
  });
}

export {
  type AccountSectionArgs,
  registerAccountSection,
  renderAccountSections,
} from './account-sections.ts';
export { confirmPath, readConfirmationToken, sendConfirmationEmail } from './confirmation.ts';
export {
  acceptInvitation,
  INVITATION_TTL_MS,
  type Invitation,
  type InvitationState,
  type InvitedRole,
  invitationPath,
  inviteAccount,
  listOperators,
  OPERATOR_ROLES,
  type OperatorAccount,
  type OperatorRole,
  type PendingInvitation,
  readInvitation,
  revokeOperator,
  withdrawInvitation,
} from './invitations.ts';
export {
  changePassword,
  confirmPassword,
  forgotPasswordPath,
  sendPasswordChangedEmail,
} from './password-change.ts';
export {
  completePasswordReset,
  passwordResetsSettled,
  RESET_TTL_MS,
  type ResetLink,
  type ResetLinkState,
  readPasswordReset,
  requestPasswordReset,
  requestPasswordResetLater,
  resetPasswordPath,
} from './password-reset.ts';
export { signToken, verifyToken } from './tokens.ts';
export {
  checkCredentials,
  createUser,
  emailSchema,
  findUserByEmail,
  markEmailVerified,
  type NewUser,
  normaliseEmail,
  updateProfile,
} from './users.ts';
