// Validate an AsyncAPI document with the official parser (@asyncapi/parser).
// Usage: node scripts/validate-asyncapi.mjs [api/asyncapi.json]
// Exits non-zero on any error diagnostic, and on warnings too: the document is generated,
// so a warning is a defect of the generator to fix, not noise to live with.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const path = process.argv[2] ?? new URL("../api/asyncapi.json", import.meta.url).pathname;
const text = await readFile(path, "utf8");
const parser = new Parser();
const { document, diagnostics } = await parser.parse(text, { source: path });
const SEVERITY = ["error", "warning", "info", "hint"];
const serious = diagnostics.filter((d) => d.severity <= 1);
for (const d of diagnostics) {
  console.log(`${SEVERITY[d.severity]} ${d.code} at ${d.path.join("/")}: ${d.message}`);
}
if (document === undefined || serious.length > 0) {
  console.error(`${path}: ${serious.length} error(s)/warning(s); the document is not valid AsyncAPI`);
  process.exit(1);
}
const ops = document.operations();
console.log(
  `${path}: valid AsyncAPI ${document.version()}, ${ops.filterByReceive().length} received and ` +
    `${ops.filterBySend().length} sent operations, ${document.allMessages().length} messages`,
);
