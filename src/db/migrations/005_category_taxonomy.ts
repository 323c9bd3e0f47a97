import { type Kysely, sql } from 'kysely';

/**
 * Default bilingual retail taxonomy, present on every database (catalog module), so product
 * imports and the merchant sign-up work on a region set up from scratch. Adds `hidden` (the region
 * admin hides a category) and `category_aliases` (a merged or renamed-away slug keeps resolving).
 * The data is inlined: a migration must not change when module code changes later.
 */
const TAXONOMY: [slug: string, fr: string, en: string][] = [
  ['epicerie', 'Épicerie', 'Grocery'],
  ['fruits-legumes', 'Fruits et légumes', 'Fruit and vegetables'],
  ['boulangerie-patisserie', 'Boulangerie et pâtisserie', 'Bakery and pastry'],
  ['boucherie-charcuterie', 'Boucherie et charcuterie', 'Butcher and deli'],
  ['poissonnerie', 'Poissonnerie', 'Fish and seafood'],
  ['fromagerie', 'Fromagerie', 'Cheese shop'],
  ['boissons-alcools', 'Boissons et alcools', 'Drinks and alcohol'],
  ['restauration-traiteur', 'Restauration et traiteur', 'Restaurants and catering'],
  ['vetements-mode', 'Vêtements et mode', 'Clothing and fashion'],
  ['chaussures', 'Chaussures', 'Shoes'],
  ['bijoux-accessoires', 'Bijoux et accessoires', 'Jewellery and accessories'],
  ['beaute-soins', 'Beauté et soins', 'Beauty and personal care'],
  ['sante-pharmacie', 'Santé et pharmacie', 'Health and pharmacy'],
  ['maison-deco', 'Maison et décoration', 'Home and decor'],
  ['meubles', 'Meubles', 'Furniture'],
  ['electromenagers', 'Électroménagers', 'Appliances'],
  ['quincaillerie-renovation', 'Quincaillerie et rénovation', 'Hardware and renovation'],
  ['jardin', 'Jardin', 'Garden'],
  ['fleuriste', 'Fleuriste', 'Florist'],
  ['electronique', 'Électronique', 'Electronics'],
  ['livres-papeterie', 'Livres et papeterie', 'Books and stationery'],
  ['musique-instruments', 'Musique et instruments', 'Music and instruments'],
  ['jouets-jeux', 'Jouets et jeux', 'Toys and games'],
  ['sports-plein-air', 'Sports et plein air', 'Sports and outdoors'],
  ['animaux', 'Animaux', 'Pets'],
  ['art-artisanat', 'Art et artisanat', 'Art and crafts'],
  ['cadeaux-souvenirs', 'Cadeaux et souvenirs', 'Gifts and souvenirs'],
  ['bebe-enfants', 'Bébé et enfants', 'Baby and kids'],
  ['auto-velo', 'Auto et vélo', 'Auto and bike'],
  ['services', 'Services', 'Services'],
];

/** Slugs the demo seed created before this taxonomy existed → the taxonomy slug that replaces them. */
const LEGACY: [old: string, slug: string][] = [
  ['boissons', 'boissons-alcools'],
  ['vetements', 'vetements-mode'],
  ['sports-et-plein-air', 'sports-plein-air'],
  ['livres', 'livres-papeterie'],
  ['jouets-et-jeux', 'jouets-jeux'],
  ['maison-et-decoration', 'maison-deco'],
  ['beaute-et-sante', 'beaute-soins'],
  ['quincaillerie', 'quincaillerie-renovation'],
  ['artisanat-et-cadeaux', 'art-artisanat'],
  ['bebe-et-enfants', 'bebe-enfants'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('categories')
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('category_aliases')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id').onDelete('cascade'))
    .execute();

  // Existing rows (a database seeded before this migration) keep their names and ids.
  for (const [i, [slug, fr, en]] of TAXONOMY.entries()) {
    await sql`insert into categories (slug, name_fr, name_en, position)
      select ${slug}, ${fr}, ${en}, ${i + 1}
      where not exists (select 1 from categories where slug = ${slug})`.execute(db);
  }
  await sql`update categories set position = position + 1000
    where slug not in (${sql.join(TAXONOMY.map(([s]) => s))})`.execute(db);

  // A database seeded before: fold each legacy demo category into its taxonomy category.
  for (const [old, slug] of LEGACY) {
    const target = sql`(select id from categories where slug = ${slug})`;
    const source = sql`(select id from categories where slug = ${old})`;
    await sql`update products set category_id = ${target} where category_id = ${source}`.execute(db);
    await sql`insert into merchant_categories (merchant_id, category_id)
      select mc.merchant_id, ${target} from merchant_categories mc
      where mc.category_id = ${source}
        and not exists (select 1 from merchant_categories x where x.merchant_id = mc.merchant_id and x.category_id = ${target})`.execute(
      db,
    );
    await sql`delete from merchant_categories where category_id = ${source}`.execute(db);
    await sql`delete from categories where slug = ${old}`.execute(db);
    await sql`insert into category_aliases (slug, category_id) select ${old}, id from categories where slug = ${slug}`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('category_aliases').execute();
  await db.schema.alterTable('categories').dropColumn('hidden').execute();
}
