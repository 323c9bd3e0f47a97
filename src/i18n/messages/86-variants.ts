import type { MessageBundle } from '../index.ts';

/** Product variants (size, colour...): "from" prices and the product page's variant chooser. */
const messages: MessageBundle = {
  fr: {
    'variants.from_price': 'à partir de {price}',
    'variants.choose': 'Variante',
    'variants.stock_title': 'Stock par variante',
    'variants.stock_by_store': 'Variantes à {store}',
  },
  en: {
    'variants.from_price': 'from {price}',
    'variants.choose': 'Variant',
    'variants.stock_title': 'Stock by variant',
    'variants.stock_by_store': 'Variants at {store}',
  },
};
export default messages;
