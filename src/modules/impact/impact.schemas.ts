/** Input of the impact report: custom period days (message keys in `impact_report.*`). */
import { z } from 'zod';

function ymdValid(s: string) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return y >= 2000 && y <= 2100 && at.toISOString().slice(0, 10) === s;
}

const day = z.string().refine(ymdValid, { message: 'impact_report.bad_date' });

/**
 * Custom dates: both present, real days, `from` not after `to`, at most ~5 years. Issues carry
 * message keys (`impact_report.*`) at paths `from` / `to`.
 */
export const customPeriodSchema = z
  .object({
    from: z
      .string({ message: 'impact_report.date_required' })
      .min(1, 'impact_report.date_required')
      .pipe(day),
    to: z.string({ message: 'impact_report.date_required' }).min(1, 'impact_report.date_required').pipe(day),
  })
  .superRefine((v, c) => {
    if (!ymdValid(v.from) || !ymdValid(v.to)) return;
    if (v.from > v.to) c.addIssue({ code: 'custom', path: ['to'], message: 'impact_report.to_before_from' });
    else if (Date.parse(v.to) - Date.parse(v.from) > 5 * 366 * 86400_000)
      c.addIssue({ code: 'custom', path: ['to'], message: 'impact_report.too_long' });
  });
