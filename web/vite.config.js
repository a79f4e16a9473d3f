// Built into the Python package (server/webapp/dist), served by the server at /app.
// The client package is compiled from its TypeScript sources (no separate build step);
// socket.io-client resolves from here for both.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const server = process.env.AURENTIA_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/app/",
  resolve: {
    alias: { "@aurentia/client": here("../clients/typescript/src/index.ts") },
    dedupe: ["socket.io-client"],
  },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: here("../server/webapp/dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev`: the page from Vite, the API and the socket from a running server.
    proxy: {
      "/api": server,
      "/socket.io": { target: server, ws: true },
    },
  },
});
