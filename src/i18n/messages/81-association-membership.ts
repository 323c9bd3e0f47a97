import type { MessageBundle } from '../index.ts';

/** Association membership: invitations answered by the merchant's owner, removal, association creation. */
const messages: MessageBundle = {
  fr: {
    'membership.awaiting_merchant':
      'Cette invitation attend la réponse du commerce : seul son propriétaire peut l’accepter.',
    'membership.region_only': 'Seul un administrateur régional peut approuver ou suspendre un commerce.',
    'membership.status_invited_admin': 'Invité (en attente du commerce)',
    'membership.remove': 'Retirer de l’association',
    'membership.withdraw': 'Retirer l’invitation',
    'membership.confirm_remove': 'Retirer ce commerce de l’association ?',
    'membership.invite_hint':
      'Le commerce reçoit l’invitation dans son espace marchand ; il devient membre quand son propriétaire l’accepte.',
    'membership.mail_subject': '{association} vous invite à devenir membre',
    'membership.mail_body':
      '{association} invite {name} à devenir membre. Acceptez ou refusez l’invitation dans votre espace marchand, page Associations ({path}). Rien ne change tant que vous n’avez pas accepté.',
    'membership.bo_notice':
      'Invitations d’associations en attente de votre réponse : {count}. Les voir et y répondre',
    'membership.invitations': 'Invitations en attente',
    'membership.invitations_lead':
      'Une association membre peut présenter votre commerce sur sa vitrine, l’inclure dans ses campagnes et sa carte-cadeau. Acceptez seulement les associations que vous connaissez.',
    'membership.no_invitations': 'Aucune invitation en attente.',
    'membership.accept': 'Accepter',
    'membership.decline': 'Refuser',
    'membership.mine': 'Mes associations',
    'membership.association': 'Association',
    'membership.since': 'Depuis le',
    'membership.none': 'Votre commerce n’est membre d’aucune association.',
    'membership.done_accept': 'Invitation acceptée : votre commerce est membre de l’association.',
    'membership.done_decline': 'Invitation refusée.',
    'membership.towns': 'Municipalités couvertes',
    'membership.towns_hint': 'Une par ligne ou séparées par des virgules, par exemple Aylmer, Hull.',
    'membership.town_invalid': 'Chaque municipalité compte de 2 à 80 caractères.',
    'membership.towns_required': 'Indiquez au moins une municipalité.',
    'membership.towns_too_many': 'Au plus 50 municipalités.',
    'membership.center_lat': 'Centre de la carte : latitude',
    'membership.center_lng': 'Centre de la carte : longitude',
    'membership.center_hint': 'En degrés décimaux, par exemple 45,3967 et -75,8442.',
    'membership.lat_range': 'La latitude est un nombre entre -90 et 90.',
    'membership.lng_range': 'La longitude est un nombre entre -180 et 180.',
    'backoffice.nav_memberships': 'Associations',
  },
  en: {
    'membership.awaiting_merchant':
      'This invitation is waiting for the business’s answer: only its owner can accept it.',
    'membership.region_only': 'Only a region admin can approve or suspend a business.',
    'membership.status_invited_admin': 'Invited (waiting for the business)',
    'membership.remove': 'Remove from the association',
    'membership.withdraw': 'Withdraw the invitation',
    'membership.confirm_remove': 'Remove this business from the association?',
    'membership.invite_hint':
      'The business receives the invitation in its merchant back-office; it becomes a member when its owner accepts.',
    'membership.mail_subject': '{association} invites you to become a member',
    'membership.mail_body':
      '{association} invites {name} to become a member. Accept or decline the invitation in your merchant back-office, Associations page ({path}). Nothing changes until you accept.',
    'membership.bo_notice': 'Association invitations waiting for your answer: {count}. See and answer them',
    'membership.invitations': 'Pending invitations',
    'membership.invitations_lead':
      'A member association can show your business on its showcase and include it in its campaigns and gift card. Only accept associations you know.',
    'membership.no_invitations': 'No pending invitation.',
    'membership.accept': 'Accept',
    'membership.decline': 'Decline',
    'membership.mine': 'My associations',
    'membership.association': 'Association',
    'membership.since': 'Since',
    'membership.none': 'Your business is not a member of any association.',
    'membership.done_accept': 'Invitation accepted: your business is a member of the association.',
    'membership.done_decline': 'Invitation declined.',
    'membership.towns': 'Municipalities covered',
    'membership.towns_hint': 'One per line or separated by commas, for example Aylmer, Hull.',
    'membership.town_invalid': 'Each municipality has 2 to 80 characters.',
    'membership.towns_required': 'Enter at least one municipality.',
    'membership.towns_too_many': 'At most 50 municipalities.',
    'membership.center_lat': 'Map centre: latitude',
    'membership.center_lng': 'Map centre: longitude',
    'membership.center_hint': 'In decimal degrees, for example 45.3967 and -75.8442.',
    'membership.lat_range': 'Latitude is a number between -90 and 90.',
    'membership.lng_range': 'Longitude is a number between -180 and 180.',
    'backoffice.nav_memberships': 'Associations',
  },
};

export default messages;
