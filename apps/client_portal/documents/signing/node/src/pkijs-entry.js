// Entry of the vendored bundle static/signing/vendor/pkijs.bundle.js (built by setup.sh
// with esbuild): the parts of pkijs and asn1js that certsign.js uses, on window.CertSignPkijs.
import * as asn1js from "asn1js";
import {
  Certificate, PFX, PrivateKeyInfo, getCrypto, getEngine,
} from "pkijs";

window.CertSignPkijs = { asn1js, Certificate, PFX, PrivateKeyInfo, getCrypto, getEngine };
