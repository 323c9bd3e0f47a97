import type { MessageBundle } from '../index.ts';

/** Shop sync (issue 17): "Connecter ma boutique", the sync status page, per-product problems. */
const messages: MessageBundle = {
  fr: {
    'backoffice.nav_shop': 'Ma boutique Shopify ou Square',
    'shopsync.title': 'Connecter ma boutique',
    'shopsync.intro':
      'Reliez votre boutique Shopify ou votre compte Square une seule fois\u00a0: le catalogue et les stocks sont importés, puis suivis automatiquement, et les commandes passées sur Comptoir diminuent le stock de votre boutique.',
    'shopsync.not_configured':
      'La synchronisation de boutique n’est pas configurée sur cette plateforme (clé de chiffrement SHOP_TOKEN_KEY absente). Contactez l’équipe de la région.',
    'shopsync.connect_title': 'Connecter une boutique Shopify',
    'shopsync.reconnect_title': 'Reconnecter la boutique',
    'shopsync.connect_intro':
      'Dans Shopify, créez une application personnalisée (Paramètres > Applications > Développer des applications) avec les accès read_products, read_inventory, write_inventory et read_locations, puis copiez ici son jeton d’accès à l’API Admin.',
    'shopsync.shop_domain': 'Domaine de la boutique',
    'shopsync.shop_domain_hint': 'Par exemple ma-boutique.myshopify.com',
    'shopsync.shop_domain_invalid':
      'Indiquez le domaine en .myshopify.com de votre boutique, par exemple ma-boutique.myshopify.com.',
    'shopsync.access_token': 'Jeton d’accès à l’API Admin',
    'shopsync.access_token_hint': 'Commence par shpat_. Il est chiffré avant d’être enregistré.',
    'shopsync.token_invalid':
      'Ce jeton est trop court ou trop long\u00a0: copiez le jeton complet de l’application.',
    'shopsync.token_refused':
      'Shopify a refusé ce jeton (révoqué ou sans les accès nécessaires). Créez un nouveau jeton et reconnectez la boutique.',
    'shopsync.shop_unreachable': 'Impossible de joindre cette boutique. Vérifiez le domaine et réessayez.',
    'shopsync.webhook_secret': 'Clé de signature des webhooks',
    'shopsync.webhook_secret_hint':
      'La clé secrète de l’application (ou celle affichée sous Paramètres > Notifications > Webhooks)\u00a0; elle sert à vérifier que les avis viennent bien de Shopify.',
    'shopsync.secret_invalid': 'Cette clé est trop courte ou trop longue.',
    'shopsync.connect': 'Connecter et synchroniser',
    'shopsync.status_title': 'État de la synchronisation',
    'shopsync.connection': 'Connexion',
    'shopsync.status_active': 'Active',
    'shopsync.status_paused': 'En pause',
    'shopsync.status_reconnect_needed': 'Reconnexion nécessaire',
    'shopsync.status_disconnected': 'Déconnectée (produits conservés)',
    'shopsync.sync': 'Synchronisation',
    'shopsync.state_idle': 'En attente',
    'shopsync.state_running': 'En cours',
    'shopsync.state_done': 'Terminée',
    'shopsync.state_failed': 'Interrompue (elle reprendra où elle s’est arrêtée)',
    'shopsync.progress': 'Progression',
    'shopsync.progress_value': '{products} produits, {variants} variantes',
    'shopsync.refresh': 'Actualiser',
    'shopsync.last_sync': 'Dernière synchronisation complète',
    'shopsync.synced_items': 'Variantes suivies',
    'shopsync.items_value': '{total} (dont {errors} en erreur)',
    'shopsync.last_error': 'Dernière erreur',
    'shopsync.reconnect_needed':
      'Shopify refuse le jeton enregistré\u00a0: la synchronisation est arrêtée. Créez un nouveau jeton dans Shopify et reconnectez la boutique ci-dessous. Vos produits restent en ligne.',
    'shopsync.sync_now': 'Synchroniser maintenant',
    'shopsync.pause': 'Mettre en pause',
    'shopsync.resume': 'Reprendre',
    'shopsync.disconnect': 'Déconnecter',
    'shopsync.disconnect_confirm':
      'Déconnecter la boutique\u00a0? Vos produits et stocks restent sur Comptoir, mais ne seront plus mis à jour.',
    'shopsync.webhooks_title': 'Avis de Shopify (webhooks)',
    'shopsync.webhooks_intro':
      'Dans Shopify, ajoutez un webhook JSON vers cette adresse pour chacun des sujets suivants\u00a0; les changements arrivent alors en quelques secondes.',
    'shopsync.locations_title': 'Emplacements Shopify et magasins',
    'shopsync.locations_unavailable':
      'Impossible de lire les emplacements de Shopify pour le moment\u00a0; voici ceux déjà enregistrés.',
    'shopsync.not_synced': 'Ne pas synchroniser',
    'shopsync.save_locations': 'Enregistrer les emplacements',
    'shopsync.locations_saved': 'Emplacements enregistrés. Ils s’appliquent à la prochaine synchronisation.',
    'shopsync.errors_title': 'Problèmes par produit',
    'shopsync.product': 'Produit',
    'shopsync.problem': 'Problème',
    'shopsync.sku_collision':
      'Le SKU {sku} appartient déjà à un autre produit de votre catalogue Comptoir\u00a0: ce variant n’a pas été importé. Changez le SKU dans Shopify ou dans Comptoir.',
    'shopsync.pushes_title': 'Stock envoyé à Shopify',
    'shopsync.push_line': 'Commande no {order}\u00a0: {status} après {attempts} essai(s)',
    'shopsync.push_pending': 'nouvel essai prévu',
    'shopsync.push_done': 'envoyé',
    'shopsync.push_failed': 'échec',
    'shopsync.log_title': 'Journal',
  },
  en: {
    'backoffice.nav_shop': 'My Shopify or Square shop',
    'shopsync.title': 'Connect my shop',
    'shopsync.intro':
      'Connect your Shopify shop or Square account once: the catalogue and stock are imported, then followed automatically, and orders placed on Comptoir decrement your shop’s stock.',
    'shopsync.not_configured':
      'Shop sync is not configured on this platform (no SHOP_TOKEN_KEY encryption key). Contact the region’s team.',
    'shopsync.connect_title': 'Connect a Shopify shop',
    'shopsync.reconnect_title': 'Reconnect the shop',
    'shopsync.connect_intro':
      'In Shopify, create a custom app (Settings > Apps > Develop apps) with the read_products, read_inventory, write_inventory and read_locations scopes, then paste its Admin API access token here.',
    'shopsync.shop_domain': 'Shop domain',
    'shopsync.shop_domain_hint': 'For example my-shop.myshopify.com',
    'shopsync.shop_domain_invalid':
      'Enter your shop’s .myshopify.com domain, for example my-shop.myshopify.com.',
    'shopsync.access_token': 'Admin API access token',
    'shopsync.access_token_hint': 'Starts with shpat_. It is encrypted before it is stored.',
    'shopsync.token_invalid': 'This token is too short or too long: copy the app’s whole token.',
    'shopsync.token_refused':
      'Shopify refused this token (revoked or missing scopes). Create a new token and reconnect the shop.',
    'shopsync.shop_unreachable': 'This shop could not be reached. Check the domain and try again.',
    'shopsync.webhook_secret': 'Webhook signing secret',
    'shopsync.webhook_secret_hint':
      'The app’s client secret (or the one shown under Settings > Notifications > Webhooks); it proves notifications come from Shopify.',
    'shopsync.secret_invalid': 'This secret is too short or too long.',
    'shopsync.connect': 'Connect and sync',
    'shopsync.status_title': 'Sync status',
    'shopsync.connection': 'Connection',
    'shopsync.status_active': 'Active',
    'shopsync.status_paused': 'Paused',
    'shopsync.status_reconnect_needed': 'Reconnect needed',
    'shopsync.status_disconnected': 'Disconnected (products kept)',
    'shopsync.sync': 'Sync',
    'shopsync.state_idle': 'Waiting',
    'shopsync.state_running': 'Running',
    'shopsync.state_done': 'Finished',
    'shopsync.state_failed': 'Interrupted (it resumes where it stopped)',
    'shopsync.progress': 'Progress',
    'shopsync.progress_value': '{products} products, {variants} variants',
    'shopsync.refresh': 'Refresh',
    'shopsync.last_sync': 'Last complete sync',
    'shopsync.synced_items': 'Variants followed',
    'shopsync.items_value': '{total} ({errors} with a problem)',
    'shopsync.last_error': 'Last error',
    'shopsync.reconnect_needed':
      'Shopify refuses the stored token: sync has stopped. Create a new token in Shopify and reconnect the shop below. Your products stay online.',
    'shopsync.sync_now': 'Sync now',
    'shopsync.pause': 'Pause',
    'shopsync.resume': 'Resume',
    'shopsync.disconnect': 'Disconnect',
    'shopsync.disconnect_confirm':
      'Disconnect the shop? Your products and stock stay on Comptoir but will no longer be updated.',
    'shopsync.webhooks_title': 'Shopify notifications (webhooks)',
    'shopsync.webhooks_intro':
      'In Shopify, add a JSON webhook to this address for each of these topics; changes then arrive within seconds.',
    'shopsync.locations_title': 'Shopify locations and stores',
    'shopsync.locations_unavailable':
      'Shopify’s locations cannot be read right now; these are the ones already saved.',
    'shopsync.not_synced': 'Do not sync',
    'shopsync.save_locations': 'Save locations',
    'shopsync.locations_saved': 'Locations saved. They apply from the next sync.',
    'shopsync.errors_title': 'Problems per product',
    'shopsync.product': 'Product',
    'shopsync.problem': 'Problem',
    'shopsync.sku_collision':
      'SKU {sku} already belongs to another product of your Comptoir catalogue: this variant was not imported. Change the SKU in Shopify or in Comptoir.',
    'shopsync.pushes_title': 'Stock sent to Shopify',
    'shopsync.push_line': 'Order #{order}: {status} after {attempts} attempt(s)',
    'shopsync.push_pending': 'retry scheduled',
    'shopsync.push_done': 'sent',
    'shopsync.push_failed': 'failed',
    'shopsync.log_title': 'Log',
  },
};

export default messages;
