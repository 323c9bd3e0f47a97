import { type Kysely, sql } from 'kysely';
import { nowDefault, tsType, withId } from './helpers.ts';

/**
 * Product images given by URL in imports: a durable queue of fetches (a restart resumes them) that
 * also remembers which source URL became which stored image, so a re-import never fetches it again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = tsType(db);
  const now = nowDefault(db);
  await withId(db, db.schema.createTable('image_fetches'))
    .addColumn('merchant_id', 'integer', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('source_url', 'text', (c) => c.notNull())
    // Where the image goes in the product's list once fetched (its place in the imported row).
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'fetching', 'done', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, now)
    // A reason code (`http_status:404`, `too_big`...), translated when shown.
    .addColumn('last_error', 'text')
    // The stored image ({url, width, height}) once fetched.
    .addColumn('media_json', 'text')
    .addColumn('created_at', ts, now)
    .addColumn('updated_at', ts, now)
    .addUniqueConstraint('image_fetches_product_source', ['product_id', 'source_url'])
    .execute();
  await db.schema
    .createIndex('image_fetches_due')
    .on('image_fetches')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema.createIndex('image_fetches_merchant').on('image_fetches').column('merchant_id').execute();
  await queueForeignImages(db);
}

/**
 * Images imported before this migration were stored as links to other sites: they leave the
 * product's images and are queued to be fetched (the worker puts them back at their place).
 */
export async function queueForeignImages(db: Kysely<unknown>): Promise<number> {
  const { rows } = await sql<{ id: number; merchant_id: number; images_json: string }>`
    select id, merchant_id, images_json from products where images_json like ${'%"http%'}`.execute(db);
  let queued = 0;
  for (const p of rows) {
    let images: { url?: unknown }[];
    try {
      images = JSON.parse(p.images_json);
    } catch {
      // An unreadable value holds no link to fetch (the product reads it as no image).
      continue;
    }
    if (!Array.isArray(images)) continue;
    const foreign = (i: { url?: unknown }) => typeof i?.url === 'string' && /^https?:\/\//i.test(i.url);
    const fetches = images
      .map((i, position) => ({ i, position }))
      .filter(({ i }) => foreign(i))
      .map(({ i, position }) => ({
        merchant_id: p.merchant_id,
        product_id: p.id,
        source_url: i.url as string,
        position,
      }));
    if (!fetches.length) continue;
    await sql`update products set images_json = ${JSON.stringify(images.filter((i) => !foreign(i)))}
      where id = ${p.id}`.execute(db);
    // Due from this process's clock, in milliseconds like the `now` the worker compares with: the
    // column's default (PostgreSQL's now(), in microseconds) could fall after a `now` taken in the
    // same millisecond, and a fetch just queued was then not due (a drain right after skipped it).
    const due = new Date().toISOString();
    for (const f of fetches)
      await sql`insert into image_fetches (merchant_id, product_id, source_url, position, next_attempt_at)
        values (${f.merchant_id}, ${f.product_id}, ${f.source_url}, ${f.position}, ${due})
        on conflict (product_id, source_url) do nothing`.execute(db);
    queued += fetches.length;
  }
  return queued;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('image_fetches').ifExists().execute();
}
