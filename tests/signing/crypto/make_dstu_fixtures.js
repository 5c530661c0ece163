// Makes the DSTU 4145 test key of tests/signing/crypto/fixtures/ with jkurwa:
//   dstu_ca.cer       a self-signed test CA (DSTU 4145, curve DSTU_PB_257)
//   dstu_signer.cer   the signer's certificate, issued by that CA
//   dstu_key.dat      the signer's private key in a password-protected container
//                     (PBES2 with GOST 28147 / GOST 34.311, the Key-6.dat format)
// The password is in fixtures/README.md. Run from the worktree root after setup.sh:
//   node tests/signing/crypto/make_dstu_fixtures.js
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const nodeDir = path.resolve(__dirname, "../../../apps/client_portal/documents/signing/node");
const need = createRequire(path.join(nodeDir, "package.json"));
const jk = need("jkurwa");
const gost89 = need("gost89");
const asn1 = need("asn1.js");

// jkurwa 1.21.0 cannot encode a PBES2 container with asn1.js 4.9.1 as published: a
// CHOICE hands its parent object to the `use` callback of AlgorithmIdentifier as
// undefined. Give the CHOICE its parent (this script only; reading is unaffected).
const Node = need("asn1.js/lib/asn1/base/node.js");
const encodeValue = Node.prototype._encodeValue;
Node.prototype._encodeValue = function (data, reporter, parent) {
  if (this._baseState.choice) this._choiceParent = parent;
  return encodeValue.call(this, data, reporter, parent);
};
Node.prototype._encodeChoice = function (data, reporter) {
  const node = this._baseState.choice[data.type];
  if (!node) throw new Error(`${data.type} not found in the choice`);
  return node._encode(data.value, reporter, this._choiceParent);
};

const PASSWORD = "Test-dstu-2026";
const out = path.join(__dirname, "fixtures");
const algo = gost89.compat.algos();
const OCTETS = asn1.define("OCTETS", function () { this.octstr(); });
const octets = (buf) => OCTETS.encode(buf, "der");

const now = Date.now();
const valid = { from: now - 86400e3, to: now + 20 * 365 * 86400e3 };
const curve = jk.std_curve("DSTU_PB_257");

const caPriv = curve.keygen();
const caName = { organizationName: "Example DSTU Test CA", commonName: "Example DSTU Test CA",
                 serialNumber: "UA-00000000", countryName: "UA" };
const caKeyId = Buffer.from(caPriv.pub().keyid({ hash: algo.hash }));
// The authority key identifier as RFC 5280 has it, SEQUENCE { [0] keyIdentifier }, with
// the CA's key id (createTBS writes the subject's own, as a bare OCTET STRING, which
// other parsers, asn1crypto among them, refuse).
const aki = Buffer.concat([Buffer.from([0x30, caKeyId.length + 2, 0x80, caKeyId.length]), caKeyId]);

function issue(tbs) {
  for (const ext of tbs.extensions) {
    if (ext.extnID === "authorityKeyIdentifier") ext.extnValue = aki;
  }
  return new jk.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: { algorithm: caPriv.algorithm },
    signature: { unused: 0,
                 data: octets(caPriv.sign(algo.hash(jk.Certificate.encodeTBS(tbs)), "le")) },
  });
}

const ca = issue(jk.Certificate.createTBS({
  serial: 1001, pubkey: caPriv.pub(), algorithm: caPriv.algorithm, sbox: caPriv.sbox,
  curve: caPriv.curve.name(), hash: algo.hash, issuer: caName, subject: caName,
  valid, usage: "\x03\x02\x01\x06",  // keyCertSign, cRLSign
}));

const priv = curve.keygen();
const tbs = jk.Certificate.createTBS({
  serial: 2002, pubkey: priv.pub(), algorithm: priv.algorithm, sbox: priv.sbox,
  curve: priv.curve.name(), hash: algo.hash, issuer: caName,
  subject: { organizationName: "Example Client LLC", commonName: "Olena Example",
             serialNumber: "TINUA-1234567890", countryName: "UA", localityName: "Kyiv" },
  valid, usage: "\x03\x02\x06\xc0",  // digitalSignature, nonRepudiation
});
const signer = issue(tbs);

fs.writeFileSync(path.join(out, "dstu_ca.cer"), ca.as_asn1());
fs.writeFileSync(path.join(out, "dstu_signer.cer"), signer.as_asn1());
fs.writeFileSync(path.join(out, "dstu_key.dat"), priv.to_pbes2(PASSWORD, algo));
console.log("wrote dstu_ca.cer, dstu_signer.cer, dstu_key.dat to", out);
