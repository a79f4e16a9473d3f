// Fails the build when the main bundle passes 150 KiB gzipped (the budget).
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dir = new URL("../../server/webapp/dist/assets/", import.meta.url);
const LIMIT = 150 * 1024;
let total = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const size = gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
  total += size;
  console.log(`${name}: ${(size / 1024).toFixed(1)} KiB gzipped`);
}
console.log(`total: ${(total / 1024).toFixed(1)} KiB gzipped (limit 150 KiB)`);
if (total > LIMIT) {
  console.error("the bundle is over its budget");
  process.exit(1);
}
