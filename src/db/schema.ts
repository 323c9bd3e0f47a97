import type { ColumnType, Generated } from 'kysely';

/** ISO-8601 UTC string on read; optional on insert where the database fills it. */
export type Timestamp = ColumnType<string, string | undefined, string>;
/** 0/1 integer flag (the same on both databases). */
export type Flag = ColumnType<number, number | undefined, number>;

export interface RegionSettingsTable {
  id: number;
  slug: string;
  name: string;
  tagline_fr: ColumnType<string, string | undefined, string>;
  tagline_en: ColumnType<string, string | undefined, string>;
  welcome_fr: ColumnType<string, string | undefined, string>;
  welcome_en: ColumnType<string, string | undefined, string>;
  center_lat: number;
  center_lng: number;
  bounds_json: ColumnType<string, string | undefined, string>;
  primary_color: ColumnType<string, string | undefined, string>;
  accent_color: ColumnType<string, string | undefined, string>;
  timezone: ColumnType<string, string | undefined, string>;
  updated_at: Timestamp;
}

export interface MunicipalitiesTable {
  id: Generated<number>;
  name: string;
  lat: number;
  lng: number;
  spread_km: ColumnType<number, number | undefined, number>;
}

export interface AssociationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  short_name: string;
  description_fr: ColumnType<string, string | undefined, string>;
  description_en: ColumnType<string, string | undefined, string>;
  municipalities_json: ColumnType<string, string | undefined, string>;
  territory_geojson: string | null;
  logo_url: string | null;
  primary_color: ColumnType<string, string | undefined, string>;
  accent_color: ColumnType<string, string | undefined, string>;
  website: string | null;
  center_lat: number | null;
  center_lng: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CategoriesTable {
  id: Generated<number>;
  slug: string;
  name_fr: string;
  name_en: string;
  position: ColumnType<number, number | undefined, number>;
}

export type MerchantStatus = 'pending' | 'approved' | 'suspended';

export interface MerchantsTable {
  id: Generated<number>;
  slug: string;
  legal_name: string;
  display_name: string;
  neq: string | null;
  gst_number: string | null;
  qst_number: string | null;
  description_fr: ColumnType<string, string | undefined, string>;
  description_en: ColumnType<string, string | undefined, string>;
  email: string | null;
  phone: string | null;
  website: string | null;
  logo_url: string | null;
  status: ColumnType<MerchantStatus, MerchantStatus | undefined, MerchantStatus>;
  approved_at: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MerchantCategoriesTable {
  merchant_id: number;
  category_id: number;
}

export interface AssociationMembersTable {
  association_id: number;
  merchant_id: number;
  joined_at: Timestamp;
  /** Added by migration 040 (associations module): 'invited' | 'active' | 'suspended'. */
  status: ColumnType<string, string | undefined, string>;
}

export interface LocationsTable {
  id: Generated<number>;
  merchant_id: number;
  code: string;
  name: string;
  address_line: string;
  municipality: string;
  postal_code: string | null;
  lat: number;
  lng: number;
  phone: string | null;
  hours_json: ColumnType<string, string | undefined, string>;
  pickup: Flag;
  delivery_radius_km: ColumnType<number, number | undefined, number>;
  delivery_fee_cents: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type TaxClass = 'standard' | 'zero_rated' | 'exempt';
export type QuebecLabel =
  | 'aliments_du_quebec'
  | 'aliments_prepares_au_quebec'
  | 'produit_du_quebec'
  | 'fabrique_au_quebec'
  | 'concu_au_quebec';

export interface ProductsTable {
  id: Generated<number>;
  merchant_id: number;
  sku: string;
  title_fr: string;
  title_en: ColumnType<string, string | undefined, string>;
  description_fr: ColumnType<string, string | undefined, string>;
  description_en: ColumnType<string, string | undefined, string>;
  category_id: number | null;
  brand: string | null;
  gtin: string | null;
  price_cents: number;
  tax_class: ColumnType<TaxClass, TaxClass | undefined, TaxClass>;
  quebec_label: QuebecLabel | null;
  quebec_label_declared_by: string | null;
  quebec_label_verified: Flag;
  quebec_label_verified_at: string | null;
  images_json: ColumnType<string, string | undefined, string>;
  status: ColumnType<'active' | 'archived', 'active' | 'archived' | undefined, 'active' | 'archived'>;
  /** The product this row is a variant of; null for the product row itself (migration 026). */
  parent_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The variant's option values in order, JSON `[{"name","value"}]`; null without options. */
  options_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** The import's grouping key (Shopify Handle, template `handle`), on the product row. */
  handle: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InventoryLevelsTable {
  product_id: number;
  location_id: number;
  on_hand: ColumnType<number, number | undefined, number>;
  reserved: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string | null;
  name: ColumnType<string, string | undefined, string>;
  locale: ColumnType<'fr' | 'en', 'fr' | 'en' | undefined, 'fr' | 'en'>;
  email_verified_at: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type Role =
  | 'customer'
  | 'merchant_owner'
  | 'merchant_staff'
  | 'association_admin'
  | 'region_admin'
  /** Read-only: the admin home and the impact report (migration 070). */
  | 'funder';

export interface UserRolesTable {
  id: Generated<number>;
  user_id: number;
  role: Role;
  merchant_id: number | null;
  association_id: number | null;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<number>;
  merchant_id: number;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Timestamp;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: Timestamp;
}

/**
 * The whole database as Kysely sees it. Modules that add tables in their own migration
 * declare them in their own `*.tables.ts` and extend this interface there (see ARCHITECTURE.md).
 */
export interface DB {
  region_settings: RegionSettingsTable;
  municipalities: MunicipalitiesTable;
  associations: AssociationsTable;
  categories: CategoriesTable;
  merchants: MerchantsTable;
  merchant_categories: MerchantCategoriesTable;
  association_members: AssociationMembersTable;
  locations: LocationsTable;
  products: ProductsTable;
  inventory_levels: InventoryLevelsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
}
