import type { ColumnType } from 'kysely';

type Text = ColumnType<string, string | undefined, string>;

// Columns added by migration 004 to the core `region_settings` row (one row, id = 1).
declare module '../../db/schema.ts' {
  interface RegionSettingsTable {
    name_en: Text;
    default_radius_km: ColumnType<number, number | undefined, number>;
    /** Media path of the re-encoded logo (`/media/region/<hash>.webp`), '' when none. */
    logo_path: Text;
    contact_email: Text;
    contact_phone: Text;
    contact_address: Text;
    terms_fr: Text;
    terms_en: Text;
    privacy_fr: Text;
    privacy_en: Text;
    /** Migration 008: the operator as distribution platform for small suppliers ('none' | 'qst' | 'qst_gst'). */
    platform_tax_collection: Text;
    platform_legal_name: Text;
    platform_gst_number: Text;
    platform_qst_number: Text;
    /**
     * Migration 063: the platform fee on card payments, in basis points (250 = 2,5 %); null until
     * the operator sets it (PLATFORM_FEE_PERCENT applies meanwhile).
     */
    platform_fee_bps: ColumnType<number | null, number | null | undefined, number | null>;
  }
}
