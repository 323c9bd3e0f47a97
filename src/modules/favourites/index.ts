/** Favourites: the merchants a signed-in customer follows. Owns the table favourite_merchants. */
export {
  /** True when the merchant is a favourite of the user. */
  isFavourite,
  /** A user's favourite merchants that are still approved (`id, slug, display_name`), most recent first. */
  listFavourites,
  /** Marks or unmarks a merchant as a favourite of a user (idempotent). */
  setFavourite,
} from './favourites.service.ts';
