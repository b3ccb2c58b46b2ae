'use strict'
// CommonJS, like the rest of this repository (SvelteKit imports it either way).
/** @type {import('@sveltejs/kit').Config} */
module.exports = {
  kit: { outDir: '.svelte-kit' },
}
