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

/** Scripts and styles a page with a map adds to the layout. */
export const mapAssets = {
  scripts: ['/vendor/leaflet.js', '/static/js/map.js?v=1'],
  styles: ['/vendor/leaflet.css'],
};
