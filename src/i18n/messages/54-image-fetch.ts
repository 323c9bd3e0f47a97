import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'image_fetch.title': 'Images non récupérées',
    'image_fetch.intro':
      'Les images données par adresse dans vos imports sont copiées sur la plateforme en arrière-plan. Celles-ci n’ont pas pu l’être ; le produit reste sans cette image. Corrigez l’adresse dans votre fichier puis importez-le de nouveau, ou téléversez l’image dans la fiche du produit.',
    'image_fetch.failed': 'image non récupérée : {reason}',
    'image_fetch.retrying': 'nouvel essai prévu',
    'image_fetch.product': 'Produit',
    'image_fetch.source': 'Adresse de l’image',
    'image_fetch.reason_h': 'Raison',
    'image_fetch.reason.invalid_url': 'adresse invalide (http:// ou https:// seulement)',
    'image_fetch.reason.private_address': 'adresse privée ou locale refusée',
    'image_fetch.reason.unresolvable': 'nom de domaine introuvable',
    'image_fetch.reason.http_status': 'le site a répondu {status}',
    'image_fetch.reason.too_big': 'fichier trop volumineux (8 Mo au plus)',
    'image_fetch.reason.timeout': 'le site a mis trop de temps à répondre',
    'image_fetch.reason.too_many_redirects': 'trop de redirections (3 au plus)',
    'image_fetch.reason.not_image': 'ce n’est pas une image JPEG, PNG ou WebP',
    'image_fetch.reason.unreadable': 'image illisible ou endommagée',
    'image_fetch.reason.dimensions': 'dimensions hors limites (200 à 8000 pixels de côté)',
    'image_fetch.reason.network': 'erreur réseau ({detail})',
    'image_fetch.reason.internal': 'erreur interne ; nouvel essai prévu',
  },
  en: {
    'image_fetch.title': 'Images not fetched',
    'image_fetch.intro':
      'Images given by address in your imports are copied to the platform in the background. These could not be; the product stays without that image. Fix the address in your file and import it again, or upload the image on the product’s page.',
    'image_fetch.failed': 'image could not be fetched: {reason}',
    'image_fetch.retrying': 'will be retried',
    'image_fetch.product': 'Product',
    'image_fetch.source': 'Image address',
    'image_fetch.reason_h': 'Reason',
    'image_fetch.reason.invalid_url': 'invalid address (http:// or https:// only)',
    'image_fetch.reason.private_address': 'private or local address refused',
    'image_fetch.reason.unresolvable': 'domain name not found',
    'image_fetch.reason.http_status': 'the site answered {status}',
    'image_fetch.reason.too_big': 'file too big (8 MB at most)',
    'image_fetch.reason.timeout': 'the site took too long to answer',
    'image_fetch.reason.too_many_redirects': 'too many redirects (3 at most)',
    'image_fetch.reason.not_image': 'not a JPEG, PNG or WebP image',
    'image_fetch.reason.unreadable': 'unreadable or damaged image',
    'image_fetch.reason.dimensions': 'dimensions out of range (200 to 8000 pixels a side)',
    'image_fetch.reason.network': 'network error ({detail})',
    'image_fetch.reason.internal': 'internal error; will be retried',
  },
};
export default messages;
