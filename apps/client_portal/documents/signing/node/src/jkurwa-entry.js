// Entry of the vendored bundle static/signing/vendor/jkurwa.bundle.js (built by setup.sh
// with esbuild): DSTU 4145 signing in the browser, on window.CertSignDstu.
//
//   CertSignDstu.signDetached(keyBytes, password, data, certificates) -> Promise<Uint8Array>
//     keyBytes      the key container: Key-6.dat (PBES2 or the older IIT format), PFX or JKS
//     certificates  the signer's certificate files (DER or PEM), when the container has none
//   resolves with a detached CMS signature (.p7s, DER) of data; rejects with an Error whose
//   code is wrong_password, no_key or failed.
const jk = require("jkurwa");
const gost89 = require("gost89");

const algo = gost89.compat.algos();

function fail(code, cause) {
  const err = new Error(code);
  err.code = code;
  err.cause = cause;
  return err;
}

async function signDetached(keyBytes, password, data, certificates) {
  const box = new jk.Box({ algo });
  try {
    box.load({
      keyBuffers: [Buffer.from(keyBytes)],
      certBuffers: (certificates || []).map((c) => Buffer.from(c)),
      password,
    });
  } catch (e) {
    throw fail("wrong_password", e);
  }
  if (!box.keys.length) throw fail("wrong_password");
  let message;
  try {
    message = await box.sign(Buffer.from(data), null, null, { detached: true });
  } catch (e) {
    throw fail(/No key-certificate pair/.test(String(e && e.message)) ? "no_key" : "failed", e);
  }
  return new Uint8Array(message.as_asn1());
}

window.CertSignDstu = { signDetached };
