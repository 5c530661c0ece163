/*
 * CertSign: sign a PDF prepared by the server with the signer's own key, in the browser.
 *
 * The key file is opened here and the private key never leaves the page:
 *
 *   CertSign.sign({file, password, prepare, finish, messages})
 *     file      a File/Blob: the signer's PKCS#12 (.p12 / .pfx)
 *     password  its password
 *     prepare   async (certsB64) => state: the server's pades.prepare answer, at least
 *               {to_sign, hash: "SHA-256", key_type: "RSA" | "EC"}; certsB64 is the
 *               signer's certificate (DER, base64) first, then the rest of its chain
 *     finish    async (signatureB64) => anything: the server embeds the signature;
 *               CertSign.sign resolves with what it returns
 *     messages  user-facing texts (translated by the page, see MESSAGE_KEYS), or an
 *               element whose data-msg-* attributes hold them (data-msg-wrong-password …)
 *
 *   CertSign.signDstu({file, password, data, certificates, messages})  DSTU 4145:
 *     file          the key container (Key-6.dat, PFX or JKS)
 *     data          the bytes to sign (the PDF: a Blob, ArrayBuffer or Uint8Array)
 *     certificates  the signer's certificate files (.cer, DER or PEM) when the container
 *                   holds none (a Key-6.dat usually does not)
 *     resolves with a detached CMS signature (.p7s bytes, a Uint8Array) of ``data``, to
 *     upload as such (the server checks it with signing.crypto.uploads.check_p7s);
 *     needs vendor/jkurwa.bundle.js on the page. The key never leaves the page.
 *
 * Errors reject with an Error whose message is one of the page's texts and whose
 * ``code`` names it (wrong_password, unreadable_file, no_key, unsupported_key, …).
 * Needs vendor/pkijs.bundle.js (window.CertSignPkijs) loaded first.
 */
(function () {
  "use strict";

  var MESSAGE_KEYS = {
    wrong_password: "The password does not open this key file.",
    unreadable_file: "This file is not a key file that can be read here (.p12 or .pfx).",
    legacy_file: "This key file is protected with an old encryption (3DES or RC2) that browsers cannot open. Export it again with AES encryption, or sign the PDF with your desktop signing tool and upload it.",
    no_key: "No private key and matching certificate were found in the key file.",
    // A DSTU key container usually holds no certificate: the page asks for the .cer file.
    unsupported_key: "This kind of key cannot sign in the browser: use an RSA key or an ECDSA key on the P-256 or P-384 curve.",
    no_webcrypto: "This browser cannot sign: it lacks Web Cryptography (use a current browser over HTTPS).",
    failed: "Signing failed. Please try again.",
    dstu_unavailable: "DSTU signing is not available on this page.",
  };

  var OID = {
    rsa: "1.2.840.113549.1.1.1",
    ec: "1.2.840.10045.2.1",
    p256: "1.2.840.10045.3.1.7",
    p384: "1.3.132.0.34",
    keyBag: "1.2.840.113549.1.12.10.1.1",
    shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
    certBag: "1.2.840.113549.1.12.10.1.3",
    x509Certificate: "1.2.840.113549.1.9.22.1",
    basicConstraints: "2.5.29.19",
  };

  function texts(messages) {
    var out = {};
    var key;
    for (key in MESSAGE_KEYS) out[key] = MESSAGE_KEYS[key];
    if (!messages) return out;
    if (messages.getAttribute) {
      for (key in MESSAGE_KEYS) {
        var attr = "data-msg-" + key.replace(/_/g, "-");
        if (messages.hasAttribute(attr)) out[key] = messages.getAttribute(attr);
      }
      return out;
    }
    for (key in messages) if (messages[key]) out[key] = messages[key];
    return out;
  }

  function failure(msgs, code, cause) {
    var err = new Error(msgs[code] || msgs.failed);
    err.code = code;
    if (cause) err.cause = cause;
    return err;
  }

  function toB64(buffer) {
    var bytes = new Uint8Array(buffer);
    var chunks = [];
    for (var i = 0; i < bytes.length; i += 0x8000) {
      chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
    }
    return btoa(chunks.join(""));
  }

  function fromB64(text) {
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function readFile(file) {
    if (file && typeof file.arrayBuffer === "function") return file.arrayBuffer();
    if (file instanceof ArrayBuffer) return Promise.resolve(file);
    if (file && file.buffer instanceof ArrayBuffer) {
      return Promise.resolve(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
    }
    return Promise.reject(new TypeError("file"));
  }

  function lib() {
    if (!window.CertSignPkijs) throw new Error("vendor/pkijs.bundle.js is not loaded");
    return window.CertSignPkijs;
  }

  // --- PKCS#12 ---------------------------------------------------------------

  async function openPkcs12(buffer, password, msgs) {
    var L = lib();
    var pwd = new TextEncoder().encode(password || "").buffer;
    var pfx;
    try {
      pfx = L.PFX.fromBER(buffer);
    } catch (e) {
      throw failure(msgs, "unreadable_file", e);
    }
    try {
      await pfx.parseInternalValues({ password: pwd, checkIntegrity: true });
    } catch (e) {
      if (/integrity/i.test(String(e && e.message))) throw failure(msgs, "wrong_password", e);
      throw failure(msgs, "unreadable_file", e);
    }
    var safe = pfx.parsedValue && pfx.parsedValue.authenticatedSafe;
    if (!safe) throw failure(msgs, "unreadable_file");
    var keys = [];
    var certs = [];
    try {
      await safe.parseInternalValues({
        safeContents: safe.safeContents.map(function () { return { password: pwd }; }),
      });
      for (var content of safe.parsedValue.safeContents) {
        for (var bag of content.value.safeBags) {
          if (bag.bagId === OID.shroudedKeyBag) {
            await bag.bagValue.parseInternalValues({ password: pwd });
            keys.push(bag.bagValue.parsedValue);
          } else if (bag.bagId === OID.keyBag) {
            keys.push(bag.bagValue);
          } else if (bag.bagId === OID.certBag && bag.bagValue.certId === OID.x509Certificate) {
            certs.push(bag.bagValue.parsedValue);
          }
        }
      }
    } catch (e) {
      var text = String(e && e.message);
      // PKCS#12 PBE (1.2.840.113549.1.12.1.*) or a cipher WebCrypto lacks: an old file.
      if (/1\.2\.840\.113549\.1\.12\.1\.|contentEncryptionAlgorithm|algorithm identifier/i
        .test(text)) {
        throw failure(msgs, "legacy_file", e);
      }
      // Encrypted parts that do not decrypt: a wrong password on a file without a MAC.
      throw failure(msgs, e && e.name === "OperationError" ? "wrong_password" : "unreadable_file", e);
    }
    if (!keys.length || !certs.length) throw failure(msgs, "no_key");
    return { keys: keys, certs: certs };
  }

  function algorithmFor(keyInfo, msgs) {
    var algId = keyInfo.privateKeyAlgorithm.algorithmId;
    if (algId === OID.rsa) {
      return { keyType: "RSA", importAlg: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
               signAlg: { name: "RSASSA-PKCS1-v1_5" } };
    }
    if (algId === OID.ec) {
      var params = keyInfo.privateKeyAlgorithm.algorithmParams;
      var curveOid = params && params.valueBlock && params.valueBlock.toString();
      var curve = curveOid === OID.p256 ? "P-256" : curveOid === OID.p384 ? "P-384" : null;
      if (curve) {
        return { keyType: "EC", curve: curve, importAlg: { name: "ECDSA", namedCurve: curve },
                 signAlg: { name: "ECDSA", hash: "SHA-256" } };
      }
    }
    throw failure(msgs, "unsupported_key");
  }

  function isCa(cert) {
    var ext = (cert.extensions || []).find(function (e) { return e.extnID === OID.basicConstraints; });
    return !!(ext && ext.parsedValue && ext.parsedValue.cA);
  }

  // The certificate whose public key verifies a probe signed by the private key.
  async function matchCertificate(subtle, privateKey, alg, certs) {
    var probe = new TextEncoder().encode("client-portal certificate match");
    var signature = await subtle.sign(alg.signAlg, privateKey, probe);
    var ordered = certs.filter(function (c) { return !isCa(c); })
      .concat(certs.filter(isCa));
    for (var cert of ordered) {
      var spki = cert.subjectPublicKeyInfo.toSchema().toBER(false);
      var publicKey;
      try {
        publicKey = await subtle.importKey("spki", spki, alg.importAlg, false, ["verify"]);
      } catch (e) {
        continue; // another kind of key
      }
      if (await subtle.verify(alg.signAlg, publicKey, signature, probe)) return cert;
    }
    return null;
  }

  async function sign(options) {
    var msgs = texts(options.messages);
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) throw failure(msgs, "no_webcrypto");
    var buffer;
    try {
      buffer = await readFile(options.file);
    } catch (e) {
      throw failure(msgs, "unreadable_file", e);
    }
    var opened = await openPkcs12(buffer, options.password, msgs);

    var chosen = null;
    for (var keyInfo of opened.keys) {
      var alg = algorithmFor(keyInfo, msgs);
      var privateKey;
      try {
        privateKey = await subtle.importKey("pkcs8", keyInfo.toSchema().toBER(false),
          alg.importAlg, false, ["sign"]);
      } catch (e) {
        throw failure(msgs, "unsupported_key", e);
      }
      var cert = await matchCertificate(subtle, privateKey, alg, opened.certs);
      if (cert) { chosen = { alg: alg, key: privateKey, cert: cert }; break; }
    }
    if (!chosen) throw failure(msgs, "no_key");

    var chain = [chosen.cert].concat(opened.certs.filter(function (c) { return c !== chosen.cert; }));
    var certsB64 = chain.map(function (c) { return toB64(c.toSchema().toBER(false)); });

    var state = await options.prepare(certsB64);
    if (!state || !state.to_sign) throw failure(msgs, "failed");
    if (state.hash && state.hash !== "SHA-256") throw failure(msgs, "unsupported_key");
    if (state.key_type && state.key_type !== chosen.alg.keyType) throw failure(msgs, "unsupported_key");
    var signature = await subtle.sign(chosen.alg.signAlg, chosen.key, fromB64(state.to_sign));
    return options.finish(toB64(signature));
  }

  // --- DSTU 4145 (jkurwa) ------------------------------------------------------

  async function signDstu(options) {
    var msgs = texts(options.messages);
    if (!window.CertSignDstu) throw failure(msgs, "dstu_unavailable");
    var key, data, certificates;
    try {
      key = new Uint8Array(await readFile(options.file));
      data = new Uint8Array(await readFile(options.data));
      certificates = [];
      for (var certFile of options.certificates || []) {
        certificates.push(new Uint8Array(await readFile(certFile)));
      }
    } catch (e) {
      throw failure(msgs, "unreadable_file", e);
    }
    try {
      return await window.CertSignDstu.signDetached(key, options.password || "", data,
        certificates);
    } catch (e) {
      var code = e && e.code ? e.code : "failed";
      throw failure(msgs, MESSAGE_KEYS[code] ? code : "failed", e);
    }
  }

  window.CertSign = {
    sign: sign,
    signDstu: signDstu,
    MESSAGE_KEYS: Object.keys(MESSAGE_KEYS),
    toBase64: toB64,
    fromBase64: fromB64,
  };
})();
