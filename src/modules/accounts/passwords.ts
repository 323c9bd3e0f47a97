import { hash, verify } from '@node-rs/argon2';

/** argon2id with OWASP's recommended minimums (19 MiB, 2 iterations). */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const MIN_PASSWORD_LENGTH = 12;

// ASVS 6.2.4: refuse common passwords. Anything shorter than 12 characters is already refused, so the
// check targets what remains common at that length: the usual words padded with digits or symbols
// ("Password2024!", "motdepasse123"), keyboard and alphabet runs, digit sequences and repeats.
const COMMON = new Set([
  'password1234',
  '123456789012',
  'motdepasse123',
  'qwertyuiop12',
  'azertyuiop12',
  'passwordpassword',
  'iloveyou1234',
  'bienvenue123',
  'welcome12345',
  'admin1234567',
  'changeme1234',
  'letmein12345',
  '111111111111',
  '000000000000',
  'abcdefghijkl',
  'comptoir1234',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'q1w2e3r4t5y6',
  'a1b2c3d4e5f6',
  'zaq12wsxcde3',
]);
/** Words that make a weak password once digits and symbols are taken away. */
const COMMON_WORDS = new Set([
  'password',
  'passw',
  'pass',
  'motdepasse',
  'mdp',
  'secret',
  'admin',
  'administrator',
  'administrateur',
  'root',
  'user',
  'login',
  'welcome',
  'bienvenue',
  'bonjour',
  'salut',
  'letmein',
  'changeme',
  'iloveyou',
  'jetaime',
  'qwerty',
  'azerty',
  'qwertyuiop',
  'azertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'monkey',
  'dragon',
  'master',
  'shadow',
  'sunshine',
  'soleil',
  'princess',
  'princesse',
  'football',
  'baseball',
  'hockey',
  'soccer',
  'canadiens',
  'habs',
  'montreal',
  'quebec',
  'canada',
  'gatineau',
  'outaouais',
  'trustno',
  'starwars',
  'superman',
  'batman',
  'pokemon',
  'comptoir',
  'marchand',
  'merchant',
  'boutique',
  'magasin',
  'achat',
  'test',
  'demo',
  'abc',
  'abcdef',
  'abcdefgh',
]);
const RUNS = [
  'abcdefghijklmnopqrstuvwxyz',
  'zyxwvutsrqponmlkjihgfedcba',
  'qwertyuiopasdfghjklzxcvbnm',
  'azertyuiopqsdfghjklmwxcvbn',
  'qazwsxedcrfvtgbyhnujmikolp',
  '01234567890123456789',
  '98765432109876543210',
];

const LEET: Record<string, string> = {
  '@': 'a',
  $: 's',
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
};
/**
 * Letters and digits only (any script), lower case, common substitutions undone where they stand
 * for a letter: "P@ss w0rd!" → "password", "Password2024" → "password2024".
 */
const compactOf = (s: string) =>
  s
    .toLowerCase()
    .replace(/[@$]/g, (c) => LEET[c])
    .replace(/(?<=\p{L})[013457](?=\p{L})/gu, (c) => LEET[c])
    .replace(/[^\p{L}\p{N}]+/gu, '');
const repeated = (s: string) => /^(.{1,4})\1+$/u.test(s);
const inRun = (s: string) => s.length > 0 && RUNS.some((r) => r.includes(s));

/** True when the password is a run, a repeat, or a common word dressed up with digits and symbols. */
function isCommon(pw: string): boolean {
  const lower = pw.toLowerCase();
  if (COMMON.has(lower) || repeated(lower)) return true;
  const compact = compactOf(pw);
  if (compact === '') return false;
  if (COMMON.has(compact) || repeated(compact) || inRun(compact)) return true;
  const letters = compact.replace(/\p{N}+/gu, '');
  const digits = compact.replace(/[^\p{N}]+/gu, '');
  if (letters === '') return inRun(digits) || repeated(digits);
  if (repeated(letters)) return true;
  // A common word, or one doubled, with only digits and symbols around it; an alphabet or keyboard run.
  const half = letters.slice(0, letters.length / 2);
  if (COMMON_WORDS.has(letters) || (half + half === letters && COMMON_WORDS.has(half))) return true;
  return letters.length >= 6 && inRun(letters);
}

/**
 * Returns a message key when the password is not acceptable, else undefined. `context` holds words
 * tied to the account (its email's local part, its name): a password made of them is refused
 * (ASVS 6.2.11).
 */
export function passwordProblem(pw: string, context: string[] = []): string | undefined {
  if (pw.length < MIN_PASSWORD_LENGTH) return 'account.password_too_short';
  if (pw.length > 128) return 'account.password_too_long';
  if (isCommon(pw)) return 'account.password_common';
  const compact = compactOf(pw).replace(/\p{N}+/gu, '');
  const words = context.flatMap((c) => [c, ...c.split(/[^\p{L}\p{N}]+/u)]);
  for (const word of words) {
    const w = compactOf(word).replace(/\p{N}+/gu, '');
    if (w.length >= 4 && compact.includes(w) && compact.length - w.length < 6)
      return 'account.password_common';
  }
  return undefined;
}

/** How many hashes were computed (metrics; tests check that paths doing the same work hash alike). */
export const passwordHashing = { count: 0 };
export const hashPassword = (pw: string) => {
  passwordHashing.count++;
  return hash(pw, OPTIONS);
};
/**
 * Whether `pw` matches the stored hash. A stored value that is not an argon2 hash never matches
 * (refused as a wrong password); this platform never writes one, so it is reported as a process
 * warning (no request log reaches this far), with argon2's reason but never the value itself.
 */
export const verifyPassword = (stored: string, pw: string) =>
  verify(stored, pw).catch((err: unknown) => {
    process.emitWarning(`stored password hash unreadable: ${err instanceof Error ? err.message : err}`, {
      code: 'COMPTOIR_PASSWORD_HASH',
    });
    return false;
  });
