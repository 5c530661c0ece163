#!/usr/bin/env node
// Verifies a DSTU 4145 detached signature (CAdES/CMS .p7s) of some data with jkurwa.
// Started by signing.crypto.dstu (Python), one process per check:
//   stdin:  {"data": "<base64>", "p7s": "<base64>"}
//   stdout: {"ok": true, "certificate": "<base64 DER>", "signing_time": <ms or null>}
//        or {"ok": false, "error": "ESIGN" | "EOTHER" | "ENOCERT" | "ENODATA" | "EPARSE"}
// Only the signature is checked against the certificate it carries; whether that
// certificate is trusted is decided elsewhere (no CA list, no network here).
"use strict";
const jk = require("jkurwa");
const gost89 = require("gost89");

const algo = gost89.compat.algos();

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

async function verify(data, p7s) {
  let msg;
  try {
    msg = new jk.models.Message(p7s);
  } catch (e) {
    return { ok: false, error: "EPARSE" };
  }
  if (msg.type !== "signedData") return { ok: false, error: "EPARSE" };
  const carried = msg.info.contentInfo.content;
  if (carried !== undefined && carried !== null && !Buffer.from(carried).equals(data)) {
    return { ok: false, error: "EOTHER" };
  }
  const box = new jk.Box({ algo });
  const info = await box.unwrap(p7s, data);
  const step = info.pipe.find((p) => p.signed === true && !p.error);
  if (!step) return { ok: false, error: info.error || "ESIGN" };
  const signer = msg.signer(() => null);
  return {
    ok: true,
    certificate: Buffer.from(signer.as_asn1()).toString("base64"),
    signing_time: step.signingTime || null,
  };
}

readStdin()
  .then((text) => {
    const input = JSON.parse(text);
    return verify(Buffer.from(input.data, "base64"), Buffer.from(input.p7s, "base64"));
  })
  .then((answer) => process.stdout.write(JSON.stringify(answer)))
  .catch((e) => {
    process.stdout.write(JSON.stringify({ ok: false, error: "EPARSE", detail: String(e).slice(0, 200) }));
  });
