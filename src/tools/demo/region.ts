import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QuebecLabel } from '../../db/schema.ts';

/** The shared retail vocabulary (copied from the project's data set so the repository is self-contained). */
export interface Vocabulary {
  region: { minLat: number; maxLat: number; minLng: number; maxLng: number };
  towns: [string, number, number, number, number][];
  categories: {
    id: number;
    name: string;
    qc: number;
    price: [number, number];
    types: [string, string | null, string][];
  }[];
  qualifiers: string[];
  brands: string[];
  materials: string[];
  usages: string[];
  origins: string[];
  description_phrases: string[];
}

export const VOCABULARY: Vocabulary = JSON.parse(
  readFileSync(join(import.meta.dirname, 'vocabulary.json'), 'utf8'),
) as Vocabulary;

export const REGION = {
  slug: 'outaouais',
  name: 'Comptoir Outaouais',
  centre: { lat: 45.4765, lng: -75.7013 }, // Gatineau
  tagline_fr: 'Achetez près de chez vous, en Outaouais',
  tagline_en: 'Shop close to home in the Outaouais',
  welcome_fr:
    "Trouvez un produit près de chez vous : voyez qui l'a en stock, réservez-le en ligne et passez le chercher en magasin ou faites-le livrer. Les commerces d'ici, leurs associations et leurs produits du Québec, au même comptoir.",
  welcome_en:
    'Find a product close to home: see who has it in stock, reserve it online, then pick it up in store or have it delivered. Local shops, their merchant associations and their Québec products, all at one counter.',
};

/** English names of the vocabulary's categories, in the same order (id 1..15). */
export const CATEGORY_EN = [
  'Grocery',
  'Drinks',
  'Shoes',
  'Clothing',
  'Sports and outdoors',
  'Books',
  'Toys and games',
  'Home and decor',
  'Beauty and health',
  'Hardware',
  'Electronics',
  'Crafts and gifts',
  'Pets',
  'Baby and kids',
  'Garden',
];

/** Food categories take the "Aliments du Québec" labels, the others the "Produits du Québec" ones. */
export const FOOD_CATEGORIES = new Set([1, 2]);
export const FOOD_LABELS: QuebecLabel[] = [
  'aliments_du_quebec',
  'aliments_du_quebec',
  'aliments_prepares_au_quebec',
];
export const NONFOOD_LABELS: QuebecLabel[] = [
  'produit_du_quebec',
  'fabrique_au_quebec',
  'fabrique_au_quebec',
  'concu_au_quebec',
];

/** Relative number of merchants whose main trade is each category (id 1..15). */
export const CATEGORY_WEIGHTS = [16, 7, 5, 10, 7, 4, 4, 8, 6, 6, 4, 9, 4, 3, 5];

/** Grocery and drink types taxed at the standard rate (snacks, candy, alcohol, soft drinks); other food is zero-rated. */
export const STANDARD_RATED_FOOD = new Set([
  "tire d'érable",
  'chocolat noir',
  'croustilles',
  "biscuit à l'avoine",
  'noix mélangées',
  'bière de microbrasserie',
  'bière blonde',
  'bière rousse',
  'bière noire',
  'bière IPA',
  'cidre de glace',
  'cidre pétillant',
  'vin rouge',
  'vin blanc',
  'hydromel',
  'kombucha',
  'eau pétillante',
  'boisson gazeuse',
]);

export interface AssociationSeed {
  slug: string;
  name: string;
  short_name: string;
  description_fr: string;
  description_en: string;
  towns: string[];
  primary_color: string;
  accent_color: string;
  website: string;
}

/** The region's six merchant associations (white text on primary_color passes WCAG AA). */
export const ASSOCIATIONS: AssociationSeed[] = [
  {
    slug: 'aylmer',
    name: "APICA — Association des professionnels, industriels et commerçants d'Aylmer",
    short_name: 'APICA Aylmer',
    description_fr:
      "L'APICA regroupe les commerçants, professionnels et industriels du secteur Aylmer depuis plus de 40 ans : rue Principale, chemin d'Aylmer et le bord de l'eau.",
    description_en:
      "APICA has brought together Aylmer's merchants, professionals and manufacturers for more than 40 years: rue Principale, chemin d'Aylmer and the waterfront.",
    towns: ['Aylmer'],
    primary_color: '#0b5e3c',
    accent_color: '#e3f1e9',
    website: 'https://apica.example',
  },
  {
    slug: 'vieux-hull',
    name: 'Association des gens d’affaires du Vieux-Hull',
    short_name: 'Vieux-Hull',
    description_fr:
      'Boutiques, cafés et ateliers du centre-ville de Gatineau, de la rue Laval à la promenade du Portage.',
    description_en:
      'Shops, cafés and workshops of downtown Gatineau, from rue Laval to the Promenade du Portage.',
    towns: ['Hull', 'Gatineau'],
    primary_color: '#8a1c3b',
    accent_color: '#f7e6eb',
    website: 'https://vieuxhull.example',
  },
  {
    slug: 'chelsea',
    name: 'Association des commerçants de Chelsea et des Collines',
    short_name: 'Chelsea et Collines',
    description_fr:
      'Les commerces de Chelsea, Wakefield et Cantley, entre le parc de la Gatineau et la rivière.',
    description_en: 'The shops of Chelsea, Wakefield and Cantley, between Gatineau Park and the river.',
    towns: ['Chelsea', 'Wakefield', 'Cantley'],
    primary_color: '#5b2d8c',
    accent_color: '#efe7f7',
    website: 'https://commercantschelsea.example',
  },
  {
    slug: 'petite-nation',
    name: 'Regroupement des gens d’affaires de la Petite-Nation et de la Lièvre',
    short_name: 'Petite-Nation',
    description_fr:
      'De Buckingham à Papineauville : producteurs, artisans et commerces de la Petite-Nation et de la Basse-Lièvre.',
    description_en:
      'From Buckingham to Papineauville: producers, craftspeople and shops of the Petite-Nation and the Lower Lièvre.',
    towns: ['Papineauville', 'Buckingham'],
    primary_color: '#9a4a00',
    accent_color: '#fbeee0',
    website: 'https://petitenation.example',
  },
  {
    slug: 'pontiac',
    name: 'Chambre de commerce du Pontiac',
    short_name: 'Pontiac',
    description_fr:
      'Les marchands de Shawville et du Pontiac, terre agricole au bord de la rivière des Outaouais.',
    description_en: 'The merchants of Shawville and the Pontiac, farm country along the Ottawa River.',
    towns: ['Shawville'],
    primary_color: '#1d4f91',
    accent_color: '#e4ecf7',
    website: 'https://pontiac.example',
  },
  {
    slug: 'haute-gatineau',
    name: 'Chambre de commerce de Maniwaki et de la Vallée-de-la-Gatineau',
    short_name: 'Haute-Gatineau',
    description_fr:
      'Maniwaki et la Haute-Gatineau : commerces, pourvoiries et artisans du nord de la région.',
    description_en:
      'Maniwaki and the Upper Gatineau: shops, outfitters and craftspeople of the northern region.',
    towns: ['Maniwaki'],
    primary_color: '#00606f',
    accent_color: '#e0f2f4',
    website: 'https://hautegatineau.example',
  },
];

/** Streets per town (real street names of each sector) and their forward sortation areas. */
export const TOWN_STREETS: Record<string, { streets: string[]; fsa: string[] }> = {
  Gatineau: {
    streets: [
      'boulevard Maloney Ouest',
      'boulevard Gréber',
      'boulevard de la Gappe',
      'rue Main',
      'boulevard La Vérendrye Ouest',
      'rue Notre-Dame',
      'boulevard Saint-René Ouest',
      'rue Jacques-Cartier',
      'boulevard de l’Hôpital',
      'rue Magloire-Gosselin',
    ],
    fsa: ['J8P', 'J8R', 'J8T', 'J8V'],
  },
  Hull: {
    streets: [
      'rue Laval',
      'promenade du Portage',
      'rue Eddy',
      'boulevard Saint-Joseph',
      'rue Montcalm',
      'boulevard Alexandre-Taché',
      'rue Wright',
      'rue Laurier',
      'boulevard des Allumettières',
    ],
    fsa: ['J8X', 'J8Y', 'J8Z', 'J9A'],
  },
  Aylmer: {
    streets: [
      'rue Principale',
      'chemin d’Aylmer',
      'rue Front',
      'boulevard Wilfrid-Lavigne',
      'chemin Vanier',
      'rue Eardley',
      'boulevard du Plateau',
    ],
    fsa: ['J9H', 'J9J'],
  },
  Buckingham: {
    streets: ['rue Principale', 'avenue de Buckingham', 'rue Maclaren Est', 'chemin de Masson', 'rue Joseph'],
    fsa: ['J8L', 'J8M'],
  },
  Chelsea: {
    streets: [
      'chemin Old Chelsea',
      'route 105',
      'chemin de la Montagne',
      'chemin Scott',
      'chemin du Lac-Meech',
    ],
    fsa: ['J9B'],
  },
  Cantley: {
    streets: [
      'montée de la Source',
      'chemin Sainte-Élisabeth',
      'rue de Bouchette',
      'chemin du Mont-Cascades',
    ],
    fsa: ['J8V'],
  },
  Wakefield: {
    streets: ['chemin Riverside', 'chemin Valley', 'route 105', 'chemin de la Vallée-de-Wakefield'],
    fsa: ['J0X'],
  },
  Maniwaki: {
    streets: ['rue Principale Nord', 'rue Commerciale', 'boulevard Desjardins', 'rue Notre-Dame', 'rue King'],
    fsa: ['J9E'],
  },
  Shawville: {
    streets: ['rue Main', 'rue Centre', 'route 148', 'rue Victoria', 'rue Lang'],
    fsa: ['J0X'],
  },
  Papineauville: {
    streets: ['rue Papineau', 'rue Henri-Bourassa', 'route 148', 'rue Viger', 'rue Joseph-Pagé'],
    fsa: ['J0V'],
  },
};

/** Shop words by category (what precedes the owner's family name or a place name). */
export const SHOP_WORDS: string[][] = [
  ['Épicerie', 'Marché', 'Fromagerie', 'Boulangerie', 'Érablière', 'Boucherie', 'Épicerie fine'],
  ['Microbrasserie', 'Cidrerie', 'Vignoble', 'Brûlerie', 'Cave à vins'],
  ['Chaussures', 'Cordonnerie', 'Boutique de chaussures'],
  ['Boutique', 'Mode', 'Vêtements', 'Friperie'],
  ['Sports', 'Plein Air', 'Vélo', 'Boutique de ski'],
  ['Librairie', 'Bouquinerie'],
  ['Jouets', 'Boutique de jeux', 'Coffre à jouets'],
  ['Déco', 'Maison', 'Ébénisterie', 'Meubles'],
  ['Savonnerie', 'Herboristerie', 'Boutique beauté'],
  ['Quincaillerie', 'Centre de rénovation'],
  ['Électro', 'Informatique', 'Audio-Vidéo'],
  ['Atelier', 'Poterie', 'Boutique cadeaux', 'Galerie'],
  ['Animalerie', 'Boutique animalière'],
  ['Boutique Bébé', 'Petits Trésors'],
  ['Pépinière', 'Jardinerie', 'Serres'],
];

export const FAMILY_NAMES = [
  'Tremblay',
  'Gagnon',
  'Roy',
  'Côté',
  'Bouchard',
  'Gauthier',
  'Morin',
  'Lavoie',
  'Fortin',
  'Gagné',
  'Ouellet',
  'Pelletier',
  'Bélanger',
  'Lévesque',
  'Bergeron',
  'Leblanc',
  'Paquette',
  'Girard',
  'Simard',
  'Boucher',
  'Caron',
  'Beaulieu',
  'Cloutier',
  'Dubé',
  'Poirier',
  'Fournier',
  'Lapointe',
  'Leclerc',
  'Lefebvre',
  'Poulin',
  'Thibault',
  'St-Pierre',
  'Nadeau',
  'Martin',
  'Landry',
  'Martel',
  'Bédard',
  'Grenier',
  'Lessard',
  'Bernier',
  'Richard',
  'Michaud',
  'Hébert',
  'Desjardins',
  'Couture',
  'Turcotte',
  'Lachance',
  'Parent',
  'Blais',
  'Gosselin',
  'Savard',
  'Proulx',
  'Beaudoin',
  'Demers',
  'Perron',
  'Charron',
  'Lalonde',
  'Brunet',
  'Séguin',
  'Laframboise',
  'Chénier',
  'Dagenais',
  'Larocque',
  'Brazeau',
  'McMillan',
  'O’Connor',
  'Murphy',
  'Hodgins',
  'Dubois',
  'Labelle',
  'Thériault',
  'Villeneuve',
];

export const PLACE_NAMES = [
  'du Ruisseau',
  'des Collines',
  'du Lac',
  'de la Rivière',
  'du Vieux-Moulin',
  'des Draveurs',
  'du Portage',
  'de la Gatineau',
  'de la Lièvre',
  'des Érables',
  'du Marché',
  'de la Côte',
  'du Village',
  'des Outaouais',
  'de la Pointe',
  'du Parc',
  'des Sucres',
  'du Pont',
];

/** English wording of the vocabulary's words. */
export const USAGE_EN: Record<string, string> = {
  "l'hiver québécois": 'the Québec winter',
  'le camping': 'camping',
  'les enfants': 'kids',
  'la cuisine': 'cooking',
  'les Fêtes': 'the holidays',
  'le chalet': 'the cottage',
  'la randonnée': 'hiking',
  'le déjeuner': 'breakfast',
  'les cadeaux': 'gifts',
  'la rentrée scolaire': 'back to school',
  'le temps des sucres': 'sugaring season',
  'la pêche': 'fishing',
  'les soirées entre amis': 'evenings with friends',
  'le bureau': 'the office',
  'le jardin': 'the garden',
  'les sportifs': 'athletes',
  'la maison': 'the home',
};

export const PHRASE_EN: Record<string, string> = {
  'Qualité supérieure': 'Superior quality',
  'Excellent rapport qualité-prix': 'Great value for money',
  'Produit frais': 'Fresh product',
  'Nouvelle collection': 'New collection',
  'Offre spéciale': 'Special offer',
  'Disponible en magasin': 'Available in store',
  'Livraison rapide': 'Fast delivery',
  'Fabrication artisanale': 'Handcrafted',
  'Très apprécié de nos clients': 'A customer favourite',
  'Garantie un an': 'One-year warranty',
  'Emballage recyclable': 'Recyclable packaging',
  'Quantités limitées': 'Limited quantities',
};
export const FOOD_ONLY_PHRASES = new Set(['Produit frais']);
export const NONFOOD_ONLY_PHRASES = new Set(['Nouvelle collection', 'Garantie un an']);

export const MATERIAL_EN: Record<string, string> = {
  "en bois d'érable": 'maple wood',
  'en laine mérinos': 'merino wool',
  'en cuir véritable': 'genuine leather',
  'en coton biologique': 'organic cotton',
  'en acier inoxydable': 'stainless steel',
  'en céramique': 'ceramic',
  'en verre recyclé': 'recycled glass',
  'en cire de soya': 'soy wax',
  'en duvet': 'down',
  'en polyester recyclé': 'recycled polyester',
  'en pin blanc': 'white pine',
  'en lin': 'linen',
  'en bambou': 'bamboo',
  'en caoutchouc naturel': 'natural rubber',
};

/** Materials that make sense per category id. */
export const CATEGORY_MATERIALS: Record<number, string[]> = {
  3: ['en cuir véritable', 'en caoutchouc naturel', 'en laine mérinos'],
  4: ['en laine mérinos', 'en coton biologique', 'en lin', 'en duvet', 'en polyester recyclé'],
  7: ["en bois d'érable", 'en pin blanc', 'en bambou', 'en coton biologique'],
  8: ["en bois d'érable", 'en céramique', 'en verre recyclé', 'en lin', 'en pin blanc', 'en bambou'],
  10: ['en acier inoxydable'],
  12: ["en bois d'érable", 'en céramique', 'en verre recyclé', 'en laine mérinos'],
  14: ['en coton biologique', 'en bambou'],
  15: ['en céramique', 'en acier inoxydable'],
};

/**
 * Qualifiers that agree only in number (so they fit any noun's gender): French singular, French
 * plural, English, whether English puts it after the noun, and where it applies.
 */
export interface Qualifier {
  fr: string;
  frPlural: string;
  en: string;
  enAfter?: boolean;
  scope: 'food' | 'nonfood' | 'all';
  /** Only for these category ids. */
  cats?: number[];
  /** Only for types matching this. */
  match?: RegExp;
}
export const QUALIFIERS: Qualifier[] = [
  { fr: 'biologique', frPlural: 'biologiques', en: 'organic', scope: 'food' },
  { fr: 'bio', frPlural: 'bio', en: 'organic', scope: 'food' },
  { fr: 'du Québec', frPlural: 'du Québec', en: 'from Québec', enAfter: true, scope: 'all' },
  { fr: "de l'Outaouais", frPlural: "de l'Outaouais", en: 'from the Outaouais', enAfter: true, scope: 'all' },
  {
    fr: 'équitable',
    frPlural: 'équitables',
    en: 'fair trade',
    scope: 'food',
    match: /café|thé|chocolat|tisane|sucre/,
  },
  {
    fr: 'sans gluten',
    frPlural: 'sans gluten',
    en: 'gluten-free',
    scope: 'food',
    match: /pain|biscuit|pâtes|farine|gruau|bière|pâté|tourtière/,
  },
  { fr: 'des Fêtes', frPlural: 'des Fêtes', en: 'holiday', scope: 'all' },
  { fr: 'premium', frPlural: 'premium', en: 'premium', scope: 'all' },
  { fr: 'classique', frPlural: 'classiques', en: 'classic', scope: 'all' },
  { fr: 'écologique', frPlural: 'écologiques', en: 'eco-friendly', scope: 'nonfood' },
  { fr: 'économique', frPlural: 'économiques', en: 'budget', scope: 'nonfood' },
  { fr: 'imperméable', frPlural: 'imperméables', en: 'waterproof', scope: 'nonfood', cats: [3, 4, 5, 11] },
  { fr: 'robuste', frPlural: 'robustes', en: 'sturdy', scope: 'nonfood' },
  { fr: 'moderne', frPlural: 'modernes', en: 'modern', scope: 'nonfood' },
  { fr: 'rétro', frPlural: 'rétro', en: 'retro', scope: 'nonfood', cats: [3, 4, 7, 8, 11, 12] },
  { fr: 'rouge', frPlural: 'rouges', en: 'red', scope: 'nonfood', cats: [3, 4, 5, 7, 8, 12, 14] },
  { fr: 'pour enfant', frPlural: 'pour enfants', en: "kids'", scope: 'nonfood', cats: [3, 4, 5, 9] },
  { fr: 'pour femme', frPlural: 'pour femmes', en: "women's", scope: 'nonfood', cats: [3, 4, 5, 9] },
  { fr: 'pour homme', frPlural: 'pour hommes', en: "men's", scope: 'nonfood', cats: [3, 4, 5, 9] },
  { fr: 'grand format', frPlural: 'grand format', en: 'large', scope: 'all' },
  {
    fr: 'édition limitée',
    frPlural: 'édition limitée',
    en: 'limited edition',
    scope: 'nonfood',
    cats: [3, 4, 6, 7, 12],
  },
  { fr: 'de luxe', frPlural: 'de luxe', en: 'deluxe', scope: 'all' },
  { fr: 'populaire', frPlural: 'populaires', en: 'popular', scope: 'all' },
];

/** Brands of the vocabulary that fit each category id (others get the shop's own name). */
export const CATEGORY_BRAND_WORDS: Record<number, RegExp> = {
  1: /Ferme|Érablière|Fromagerie|Boulangerie|Vergers|Rucher|Miellerie|Chocolaterie|Délices|Épicerie|Marché|Coop|Magasin Général/,
  2: /Brasserie|Cidrerie|Vignoble|Vergers|Délices/,
  3: /Cordonnerie|Boutique|Sports|Plein Air/,
  4: /Boutique|Maison|Atelier|Magasin Général/,
  5: /Sports|Vélo|Plein Air/,
  6: /Librairie/,
  7: /Jouets|Atelier|Ébénisterie/,
  8: /Maison|Ébénisterie|Poterie|Atelier|Boutique/,
  9: /Savonnerie|Rucher|Miellerie/,
  10: /Quincaillerie|Magasin Général|Coop/,
  11: /Électro/,
  12: /Atelier|Poterie|Bijouterie|Savonnerie|Ébénisterie/,
  13: /Animalerie|Coop/,
  14: /Boutique|Jouets|Maison/,
  15: /Ferme|Coop|Quincaillerie|Vergers/,
};

/**
 * Where a type's price sits in its category's range (log scale): big-ticket items near the top,
 * small items near the bottom, the rest in the middle.
 */
export const EXPENSIVE_TYPES =
  /^(vélo|canot|kayak|souffleuse|tondeuse|ordinateur|téléviseur|téléphone|poussette|siège d'auto|lit de bébé|table|pneu|scie|perceuse|planche à neige|ski de fond|tente|console|tablette|manteau|habit de neige|botte de ski|sculpture|tableau|courtepointe|aquarium|vin|cidre de glace|sac de couchage|échelle|chaise|étagère|miroir|tapis|patin|bâton de hockey|parfum|haut-parleur)/;
export const CHEAP_TYPES =
  /^(vis|ampoule|câble|carte de souhaits|magazine|chaussette|mitaine|tuque|casquette|gant|baume|brosse à dents|savon|semence|compost|terreau|biscuit|croustilles|baguette|croissant|gâterie|jouet pour chien|cretons|gruau|thé|tisane|eau|boisson|bière|jus|ketchup|sauce|farine|épices|œufs|yogourt|chandelle|cadre|jouet$|peluche|cerf-volant|voiture miniature|couche|biberon|t-shirt|livre usagé|album|tasse|déodorant|shampoing|vitamine|crème|chargeur|souris|litière|laisse|collier|pain|confiture|miel|saucisse|pâtes|ballon)/;
