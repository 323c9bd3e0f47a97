import type { MessageBundle } from '../index.ts';

/** Small suppliers and the platform collecting taxes for them (decision record 0005). */
const messages: MessageBundle = {
  fr: {
    'small_supplier.section': 'Taxes de vente (TPS et TVQ)',
    'small_supplier.tax_status': 'Inscription aux fichiers de la TPS et de la TVQ',
    'small_supplier.tax_status_hint':
      'Un petit fournisseur (ventes taxables d’au plus 30 000 $ sur quatre trimestres civils consécutifs) n’est pas tenu de s’inscrire ni de percevoir la TPS et la TVQ.',
    'small_supplier.status_registered': 'Inscrit : je perçois la TPS et la TVQ',
    'small_supplier.status_small_supplier': 'Petit fournisseur non inscrit : je ne perçois pas de taxes',
    'small_supplier.gst_hint': 'Obligatoire si inscrit. Exemple : 123456789 RT 0001',
    'small_supplier.qst_hint': 'Obligatoire si inscrit. Exemple : 1234567890 TQ 0001',
    'small_supplier.numbers_required':
      'Un commerce inscrit indique ses numéros de TPS et de TVQ : ils figurent sur ses reçus.',
    'small_supplier.tax_status_invalid': 'Choisissez « inscrit » ou « petit fournisseur ».',
    'small_supplier.platform_collection_invalid': 'Choisissez une des options de perception.',
    'small_supplier.platform_numbers_required':
      'La plateforme qui perçoit les taxes indique ce numéro : il figure sur les reçus.',
    'small_supplier.receipt_not_registered':
      'Fournisseur non inscrit aux fichiers de la TPS et de la TVQ (petit fournisseur) : aucune taxe perçue',
    'small_supplier.receipt_gst_not_collected': 'TPS : non perçue (fournisseur non inscrit)',
    'small_supplier.receipt_collected_qst': 'TVQ perçue par la plateforme {name}, n° TVQ {qst}',
    'small_supplier.receipt_collected_both':
      'TPS/TVQ perçues par la plateforme {name}, n° TPS {gst}, n° TVQ {qst}',
    'small_supplier.cart_not_registered': 'Petit fournisseur non inscrit : aucune taxe',
    'small_supplier.cart_platform': 'Taxes perçues par la plateforme {name}',
    'small_supplier.region_section': 'Taxes des petits fournisseurs',
    'small_supplier.region_hint':
      'Si l’exploitant de la plateforme est inscrit à la TVQ comme exploitant de plateforme de distribution, il perçoit la TVQ sur les biens vendus par les commerçants non inscrits. La TPS ne s’applique qu’aux biens expédiés d’un entrepôt de distribution : voir la décision 0005.',
    'small_supplier.field_platform_tax_collection': 'La plateforme perçoit pour les petits fournisseurs',
    'small_supplier.collection_none': 'Rien (les petits fournisseurs vendent sans taxes)',
    'small_supplier.collection_qst': 'La TVQ',
    'small_supplier.collection_qst_gst': 'La TVQ et la TPS',
    'small_supplier.field_platform_legal_name':
      'Nom légal de l’exploitant (par défaut : le nom de la région)',
    'small_supplier.field_platform_gst_number': 'Numéro de TPS de l’exploitant',
    'small_supplier.field_platform_qst_number': 'Numéro de TVQ de l’exploitant',
  },
  en: {
    'small_supplier.section': 'Sales taxes (GST and QST)',
    'small_supplier.tax_status': 'GST and QST registration',
    'small_supplier.tax_status_hint':
      'A small supplier (taxable sales of $30,000 or less over four consecutive calendar quarters) does not have to register for or collect the GST and QST.',
    'small_supplier.status_registered': 'Registered: I collect the GST and QST',
    'small_supplier.status_small_supplier': 'Small supplier, not registered: I collect no tax',
    'small_supplier.gst_hint': 'Required when registered. Example: 123456789 RT 0001',
    'small_supplier.qst_hint': 'Required when registered. Example: 1234567890 TQ 0001',
    'small_supplier.numbers_required':
      'A registered business gives its GST and QST numbers: they appear on its receipts.',
    'small_supplier.tax_status_invalid': 'Choose “registered” or “small supplier”.',
    'small_supplier.platform_collection_invalid': 'Choose one of the collection options.',
    'small_supplier.platform_numbers_required':
      'The platform collecting the taxes gives this number: it appears on receipts.',
    'small_supplier.receipt_not_registered':
      'Supplier not registered for the GST and QST (small supplier): no tax collected',
    'small_supplier.receipt_gst_not_collected': 'GST: not collected (supplier not registered)',
    'small_supplier.receipt_collected_qst': 'QST collected by the platform {name}, QST no. {qst}',
    'small_supplier.receipt_collected_both':
      'GST/QST collected by the platform {name}, GST no. {gst}, QST no. {qst}',
    'small_supplier.cart_not_registered': 'Small supplier, not registered: no tax',
    'small_supplier.cart_platform': 'Taxes collected by the platform {name}',
    'small_supplier.region_section': 'Small suppliers’ taxes',
    'small_supplier.region_hint':
      'When the platform’s operator is registered for the QST as a distribution platform operator, it collects the QST on goods sold by unregistered merchants. The GST applies only to goods shipped from a fulfilment warehouse: see decision 0005.',
    'small_supplier.field_platform_tax_collection': 'The platform collects for small suppliers',
    'small_supplier.collection_none': 'Nothing (small suppliers sell without taxes)',
    'small_supplier.collection_qst': 'The QST',
    'small_supplier.collection_qst_gst': 'The QST and the GST',
    'small_supplier.field_platform_legal_name': 'Operator’s legal name (default: the region’s name)',
    'small_supplier.field_platform_gst_number': 'Operator’s GST number',
    'small_supplier.field_platform_qst_number': 'Operator’s QST number',
  },
};

export default messages;
