import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** A static single-page launcher: every launcher URL gets index.html, which mounts the route in the browser. */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ fallback: 'index.html', strict: false }),
    // The page is served at /events/<event>/launcher/<location>: asset URLs must not be relative to it.
    paths: { relative: false },
    // No inline script runs unless its hash is listed (the launcher is remote content with a bridge).
    csp: { mode: 'hash', directives: { 'default-src': ['self'], 'script-src': ['self'], 'style-src': ['self', 'unsafe-inline'], 'object-src': ['none'], 'base-uri': ['none'] } },
  },
};
