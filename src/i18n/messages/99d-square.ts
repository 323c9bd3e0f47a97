import type { MessageBundle } from '../index.ts';

/** Shop sync with Square (issue 17): connecting a Square account, its status and errors. */
const messages: MessageBundle = {
  fr: {
    'shopsync.other_shop_connected':
      'Une autre boutique est déjà connectée. Déconnectez-la d’abord\u00a0: Comptoir suit une seule boutique à la fois.',
    'shopsync.environment_invalid': 'Choisissez Production ou Bac à sable (sandbox).',
    'shopsync.square_connect_title': 'Connecter un compte Square',
    'shopsync.square_oauth': 'Se connecter avec Square',
    'shopsync.square_oauth_or': 'Ou collez un jeton d’accès\u00a0:',
    'shopsync.square_oauth_refused':
      'La connexion avec Square n’a pas abouti (refusée, expirée ou déjà utilisée). Recommencez «\u00a0Se connecter avec Square\u00a0».',
    'shopsync.square_reconnect_title': 'Reconnecter le compte Square',
    'shopsync.square_connect_intro':
      'Dans le Developer Console de Square, ouvrez votre application\u00a0: copiez le jeton d’accès (Credentials), puis créez un abonnement webhook vers l’adresse affichée après la connexion et copiez sa clé de signature. Le jeton doit donner accès aux articles, à l’inventaire et aux emplacements (ITEMS_READ, INVENTORY_READ, INVENTORY_WRITE, MERCHANT_PROFILE_READ).',
    'shopsync.square_environment': 'Environnement',
    'shopsync.square_env_production': 'Production',
    'shopsync.square_env_sandbox': 'Bac à sable (sandbox, pour essayer)',
    'shopsync.square_access_token': 'Jeton d’accès Square',
    'shopsync.square_access_token_hint': 'Commence par EAAA. Il est chiffré avant d’être enregistré.',
    'shopsync.square_signature_key': 'Clé de signature du webhook',
    'shopsync.square_signature_key_hint':
      'Affichée dans le Developer Console sous Webhooks > Subscriptions\u00a0; elle prouve que les avis viennent bien de Square. Vous pouvez l’ajouter après avoir créé l’abonnement en reconnectant le compte.',
    'shopsync.square_connect': 'Connecter Square et synchroniser',
    'shopsync.square_token_refused':
      'Square a refusé ce jeton (révoqué, expiré ou sans les accès nécessaires). Créez un nouveau jeton et reconnectez le compte.',
    'shopsync.square_unreachable':
      'Impossible de joindre Square pour le moment. Vérifiez l’environnement choisi et réessayez.',
    'shopsync.square_account': 'Compte Square',
    'shopsync.square_locations_title': 'Emplacements Square et magasins',
    'shopsync.square_reconnect_needed':
      'Square refuse le jeton enregistré\u00a0: la synchronisation est arrêtée. Créez un nouveau jeton dans le Developer Console et reconnectez le compte ci-dessous. Vos produits restent en ligne.',
    'shopsync.square_webhooks_title': 'Avis de Square (webhooks)',
    'shopsync.square_webhooks_intro':
      'Dans le Developer Console, créez un abonnement webhook vers cette adresse exacte pour les événements suivants\u00a0; les changements arrivent alors en quelques secondes.',
  },
  en: {
    'shopsync.other_shop_connected':
      'Another shop is already connected. Disconnect it first: Comptoir follows one shop at a time.',
    'shopsync.environment_invalid': 'Choose Production or Sandbox.',
    'shopsync.square_connect_title': 'Connect a Square account',
    'shopsync.square_oauth': 'Connect with Square',
    'shopsync.square_oauth_or': 'Or paste an access token:',
    'shopsync.square_oauth_refused':
      'Connecting with Square did not complete (refused, expired or already used). Start “Connect with Square” again.',
    'shopsync.square_reconnect_title': 'Reconnect the Square account',
    'shopsync.square_connect_intro':
      'In Square’s Developer Console, open your application: copy the access token (Credentials), then create a webhook subscription to the address shown after connecting and copy its signature key. The token needs access to items, inventory and locations (ITEMS_READ, INVENTORY_READ, INVENTORY_WRITE, MERCHANT_PROFILE_READ).',
    'shopsync.square_environment': 'Environment',
    'shopsync.square_env_production': 'Production',
    'shopsync.square_env_sandbox': 'Sandbox (to try it out)',
    'shopsync.square_access_token': 'Square access token',
    'shopsync.square_access_token_hint': 'Starts with EAAA. It is encrypted before it is stored.',
    'shopsync.square_signature_key': 'Webhook signature key',
    'shopsync.square_signature_key_hint':
      'Shown in the Developer Console under Webhooks > Subscriptions; it proves notifications come from Square. You can add it after creating the subscription by reconnecting the account.',
    'shopsync.square_connect': 'Connect Square and sync',
    'shopsync.square_token_refused':
      'Square refused this token (revoked, expired or missing permissions). Create a new token and reconnect the account.',
    'shopsync.square_unreachable': 'Square cannot be reached right now. Check the environment and try again.',
    'shopsync.square_account': 'Square account',
    'shopsync.square_locations_title': 'Square locations and stores',
    'shopsync.square_reconnect_needed':
      'Square refuses the stored token: sync has stopped. Create a new token in the Developer Console and reconnect the account below. Your products stay online.',
    'shopsync.square_webhooks_title': 'Square notifications (webhooks)',
    'shopsync.square_webhooks_intro':
      'In the Developer Console, create a webhook subscription to this exact address for these events; changes then arrive within seconds.',
  },
};

export default messages;
