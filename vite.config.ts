import { defineConfig } from "vite";

/**
 * The teaching viewer (web/): a static page built into dist/web, which
 * `rollcall web` serves. Paths are relative so the page also works from any
 * folder a static server puts it in.
 */
export default defineConfig({
  root: "web",
  base: "./",
  logLevel: "warn",
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
    target: "es2022",
    // The model, the simulator and Ajv make one module of about 400 kB; the page is served locally.
    chunkSizeWarningLimit: 1500,
  },
});
