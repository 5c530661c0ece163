// Builds the vendored browser bundles of the signing module (run by setup.sh --bundles).
// Each bundle starts with a header naming every package inside it, its version and licence,
// followed by the licence texts.
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "static", "signing", "vendor");

function header(title, packages) {
  const lines = [`${title}`, "Built with esbuild from npm by documents/signing/node/setup.sh --bundles.", ""];
  const texts = [];
  for (const name of packages) {
    const dir = join(here, "node_modules", name);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    lines.push(`${meta.name} ${meta.version} (${meta.license})`);
    const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"].map((f) => join(dir, f))
      .find((f) => existsSync(f));
    if (file) texts.push(`--- ${meta.name} ---\n${readFileSync(file, "utf8").trim()}`);
  }
  const body = [...lines, "", ...texts].join("\n").replaceAll("*/", "* /");
  return `/*!\n${body}\n*/`;
}

const bundles = [
  {
    entry: "src/pkijs-entry.js", out: "pkijs.bundle.js",
    title: "pkijs and asn1js for certsign.js (PKCS#12 files opened in the browser)",
    packages: ["pkijs", "asn1js", "@noble/hashes", "bytestreamjs", "pvtsutils", "pvutils", "tslib"],
  },
];
if (existsSync(join(here, "src", "jkurwa-entry.js"))) {
  bundles.push({
    entry: "src/jkurwa-entry.js", out: "jkurwa.bundle.js",
    title: "jkurwa and gost89 for certsign.js (DSTU 4145 signing in the browser)",
    packages: ["jkurwa", "gost89", "jksreader", "js-sha1", "asn1.js", "bn.js", "buffer",
               "base64-js", "ieee754", "inherits", "minimalistic-assert", "js-lzma"],
    inject: [join(here, "src", "buffer-shim.js")],
    alias: { fs: join(here, "src", "empty.js") },
  });
}

for (const b of bundles) {
  await build({
    entryPoints: [join(here, b.entry)], outfile: join(vendor, b.out), bundle: true,
    minify: true, format: "iife", target: "es2020", platform: "browser",
    legalComments: "none", banner: { js: header(b.title, b.packages) },
    define: { global: "globalThis" }, inject: b.inject || [], alias: b.alias || {},
  });
  console.log(`built ${b.out}`);
}
