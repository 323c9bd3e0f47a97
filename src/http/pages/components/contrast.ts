import { contrastRatio, MIN_TEXT_CONTRAST } from '../../../modules/region/index.ts';

const HEX = /^#[0-9a-f]{6}$/i;

/**
 * The text colour to put on a coloured background (association and campaign headers): the chosen
 * colour when it reaches WCAG AA (4.5:1) on that background, otherwise white or near-black,
 * whichever contrasts more. An association's accent colour can be any colour its admin picked.
 */
export function readableOn(background: string, preferred: string): string {
  if (!HEX.test(background)) return preferred;
  if (HEX.test(preferred) && contrastRatio(preferred, background) >= MIN_TEXT_CONTRAST) return preferred;
  return contrastRatio('#ffffff', background) >= contrastRatio('#1c1f23', background) ? '#ffffff' : '#1c1f23';
}
