import type { MessageBundle } from '../index.ts';

/** Password change (account page), forgotten-password request and reset, and their emails. */
const messages: MessageBundle = {
  fr: {
    'password.change_title': 'Changer de mot de passe',
    'password.current': 'Mot de passe actuel',
    'password.new': 'Nouveau mot de passe',
    'password.confirm': 'Confirmez le nouveau mot de passe',
    'password.change_submit': 'Changer le mot de passe',
    'password.changed':
      'Votre mot de passe a été changé. Vos autres sessions ont été fermées et un courriel de confirmation vous a été envoyé.',
    'password.current_wrong': 'Le mot de passe actuel est incorrect.',
    'password.mismatch': 'Les deux mots de passe ne correspondent pas.',
    'password.forgot_link': 'Mot de passe oublié ?',
    'password.forgot_title': 'Mot de passe oublié',
    'password.forgot_intro':
      'Indiquez l’adresse courriel de votre compte. Nous vous enverrons un lien pour choisir un nouveau mot de passe.',
    'password.forgot_submit': 'Envoyer le lien',
    'password.forgot_sent_title': 'Vérifiez vos courriels',
    'password.forgot_sent':
      'Si un compte existe pour l’adresse {email}, un courriel vient d’y être envoyé avec un lien pour choisir un nouveau mot de passe. Ce lien est valide 1 heure et ne sert qu’une fois.',
    'password.forgot_throttled':
      'Trop de demandes pour cette adresse. Réessayez dans une heure ou utilisez le dernier lien reçu.',
    'password.reset_title': 'Choisir un nouveau mot de passe',
    'password.reset_for': 'Compte : {email}',
    'password.reset_submit': 'Enregistrer le nouveau mot de passe',
    'password.reset_done_title': 'Mot de passe changé',
    'password.reset_done':
      'Votre nouveau mot de passe est enregistré et vous êtes connecté. Toutes vos autres sessions ont été fermées.',
    'password.to_account': 'Aller à mon compte',
    'password.link_title': 'Lien de réinitialisation inutilisable',
    'password.link_unknown':
      'Ce lien de réinitialisation est invalide. Vérifiez qu’il a été copié en entier, ou demandez-en un nouveau.',
    'password.link_expired':
      'Ce lien de réinitialisation a expiré (il est valide 1 heure). Demandez-en un nouveau.',
    'password.link_used':
      'Ce lien de réinitialisation a déjà servi : il ne fonctionne qu’une fois. Demandez-en un nouveau au besoin.',
    'password.new_link': 'Demander un nouveau lien',
    'password.reset_mail_subject': 'Choisir un nouveau mot de passe',
    'password.reset_mail_body':
      'Bonjour,\n\nQuelqu’un (sans doute vous) a demandé à réinitialiser le mot de passe de votre compte {region}. Pour choisir un nouveau mot de passe, ouvrez ce lien (valide 1 heure, utilisable une seule fois) :\n\n{link}\n\nSi vous n’avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.',
    'password.changed_mail_subject': 'Votre mot de passe a été changé',
    'password.changed_mail_body':
      'Bonjour,\n\nLe mot de passe de votre compte {region} ({email}) vient d’être changé, et les sessions ouvertes sur vos autres appareils ont été fermées.\n\nSi c’était vous, vous n’avez rien à faire. Sinon, choisissez tout de suite un nouveau mot de passe ici : {link}',
  },
  en: {
    'password.change_title': 'Change password',
    'password.current': 'Current password',
    'password.new': 'New password',
    'password.confirm': 'Confirm the new password',
    'password.change_submit': 'Change password',
    'password.changed':
      'Your password was changed. Your other sessions were signed out and a confirmation email was sent to you.',
    'password.current_wrong': 'The current password is incorrect.',
    'password.mismatch': 'The two passwords do not match.',
    'password.forgot_link': 'Forgot your password?',
    'password.forgot_title': 'Forgotten password',
    'password.forgot_intro':
      'Enter the email address of your account. We will send you a link to choose a new password.',
    'password.forgot_submit': 'Send the link',
    'password.forgot_sent_title': 'Check your email',
    'password.forgot_sent':
      'If an account exists for the address {email}, an email has just been sent to it with a link to choose a new password. The link is valid for 1 hour and works once.',
    'password.forgot_throttled':
      'Too many requests for this address. Try again in an hour, or use the last link you received.',
    'password.reset_title': 'Choose a new password',
    'password.reset_for': 'Account: {email}',
    'password.reset_submit': 'Save the new password',
    'password.reset_done_title': 'Password changed',
    'password.reset_done':
      'Your new password is saved and you are signed in. All your other sessions were signed out.',
    'password.to_account': 'Go to my account',
    'password.link_title': 'This reset link cannot be used',
    'password.link_unknown':
      'This reset link is invalid. Check that it was copied in full, or request a new one.',
    'password.link_expired': 'This reset link has expired (it is valid for 1 hour). Request a new one.',
    'password.link_used':
      'This reset link was already used: it works only once. Request a new one if needed.',
    'password.new_link': 'Request a new link',
    'password.reset_mail_subject': 'Choose a new password',
    'password.reset_mail_body':
      'Hello,\n\nSomeone (probably you) asked to reset the password of your {region} account. To choose a new password, open this link (valid for 1 hour, works once):\n\n{link}\n\nIf you did not ask for this, ignore this message: your password stays the same.',
    'password.changed_mail_subject': 'Your password was changed',
    'password.changed_mail_body':
      'Hello,\n\nThe password of your {region} account ({email}) was just changed, and the sessions open on your other devices were signed out.\n\nIf it was you, there is nothing to do. If not, choose a new password right away here: {link}',
  },
};
export default messages;
