import type { VNode } from 'preact';
import { html } from '../html.ts';
import type { PageContext } from '../page-context.ts';

export interface MapMarker {
  lat: number;
  lng: number;
  label: string;
  href?: string;
}

/** A Leaflet island: the server renders the markers as data; /static/js/map.js draws them when JS runs. */
export function MapBox(ctx: PageContext, markers: MapMarker[], label: string): VNode {
  return html`<div
    class="map"
    role="region"
    aria-label=${label}
    data-map
    data-tiles=${ctx.tileUrl}
    data-attribution=${ctx.tileAttribution}
    data-markers=${JSON.stringify(markers)}
  ></div>`;
}

/** Scripts a page with a map adds; map.js fetches Leaflet's script and styles when a map comes into view. */
export const mapAssets = {
  scripts: ['/static/js/map.js?v=2'],
  styles: [] as string[],
};
