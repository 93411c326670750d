// The launcher kit runs in the browser only (IndexedDB, the bridge, downloads): no server rendering.
export const ssr = false;
export const prerender = false;
