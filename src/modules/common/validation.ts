import type { z } from 'zod';
import type { FieldIssue } from '../../lib/errors.ts';

/**
 * Turns zod issues into field issues carrying message keys. Schemas put a message key
 * (e.g. 'merchant.neq_invalid') as their custom message; generic issues get a generic key.
 */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i): FieldIssue => {
    const field = i.path.join('.') || '_';
    if (i.message && /^[a-z_]+\.[a-z_.]+$/.test(i.message)) return { field, message: i.message };
    switch (i.code) {
      case 'invalid_type':
        return { field, message: i.input === undefined ? 'field.required' : 'field.invalid_type' };
      case 'too_small':
        return {
          field,
          message: i.origin === 'string' ? 'field.too_short' : 'field.too_small',
          params: { minimum: Number(i.minimum) },
        };
      case 'too_big':
        return {
          field,
          message: i.origin === 'string' ? 'field.too_long' : 'field.too_big',
          params: { maximum: Number(i.maximum) },
        };
      case 'invalid_value':
        return { field, message: 'field.invalid_enum', params: { options: i.values.map(String).join(', ') } };
      case 'invalid_format':
        return {
          field,
          message:
            i.format === 'email'
              ? 'field.invalid_email'
              : i.format === 'url'
                ? 'field.invalid_url'
                : 'field.invalid',
        };
      case 'unrecognized_keys':
        return { field, message: 'field.unknown_key', params: { keys: i.keys.join(', ') } };
      default:
        return { field, message: 'field.invalid' };
    }
  });
}
