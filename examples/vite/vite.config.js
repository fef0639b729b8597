// The Vite example cleanroom builds in tests/e2e/t-vite.sh.
// An ES-module config ("type": "module" in package.json): Vite bundles it
// into node_modules/.vite-temp before importing it, one of the two
// directories besides dist that the vite preset makes writable.
import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    // dist/.vite/manifest.json: cleanroom checks every entry against the
    // files (--manifest vite, detected from the preset).
    manifest: true,
    // Emit every imported asset as its own content-hashed file, even the
    // small ones Vite would otherwise inline as data: URLs.
    assetsInlineLimit: 0,
  },
})
