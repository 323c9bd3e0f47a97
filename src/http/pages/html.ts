import { html as htmPreact } from 'htm/preact';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Tagged-template JSX for server rendering without a build step (Node runs the .ts files
 * directly and cannot parse .tsx). Preact escapes every interpolated value.
 */
export const html = htmPreact as (strings: TemplateStringsArray, ...values: unknown[]) => VNode;

export function renderDocument(vnode: VNode): string {
  return `<!doctype html>${renderToString(vnode)}`;
}
