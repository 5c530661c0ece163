// Signs a file with the DSTU test key (fixtures/), as the browser would: a detached
// CMS .p7s, written to stdout. Used by test_dstu.py.
//   node tests/signing/crypto/dstu_sign.js <file> [password]
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const need = createRequire(path.resolve(
  __dirname, "../../../apps/client_portal/documents/signing/node/package.json"));
const jk = need("jkurwa");
const gost89 = need("gost89");
const fixtures = path.join(__dirname, "fixtures");

(async () => {
  const box = new jk.Box({ algo: gost89.compat.algos() });
  box.load({
    keyBuffers: [fs.readFileSync(path.join(fixtures, "dstu_key.dat"))],
    certBuffers: [fs.readFileSync(path.join(fixtures, "dstu_signer.cer"))],
    password: process.argv[3] || "Test-dstu-2026",
  });
  const message = await box.sign(fs.readFileSync(process.argv[2]), null, null, { detached: true });
  process.stdout.write(Buffer.from(message.as_asn1()));
})().catch((e) => { console.error(String(e)); process.exit(1); });
