import type { VNode } from 'preact';
import type { Lang } from '../../i18n/index.ts';

/**
 * Extension point of the account page (/fr/compte, /en/account): another module (orders,
 * gift cards) registers a section rendered under the profile, e.g.
 *   registerAccountSection('orders', 10, async ({ db, userId, lang }) => html`<section>...</section>`)
 * Registering again under the same key replaces the section (safe when several apps are built).
 */
export interface AccountSectionArgs {
  // biome-ignore lint/suspicious/noExplicitAny: the Kysely instance of the app (typed by the caller).
  db: any;
  userId: number;
  email: string;
  lang: Lang;
}
type Section = { order: number; render: (a: AccountSectionArgs) => Promise<VNode | null> | VNode | null };
const sections = new Map<string, Section>();

export function registerAccountSection(key: string, order: number, render: Section['render']): void {
  sections.set(key, { order, render });
}

export async function renderAccountSections(a: AccountSectionArgs): Promise<(VNode | null)[]> {
  const list = [...sections.values()].sort((x, y) => x.order - y.order);
  return Promise.all(list.map((s) => s.render(a)));
}
