/* The signing page, own certificate: CertSign (certsign.js) opens the key file in the
   page; the server prepares the PDF and embeds the signature through the API. */
(function () {
  "use strict";
  function ready() {
    var form = document.getElementById("cert-form");
    if (!form || !window.CertSign) { return; }
    var button = document.getElementById("cert-sign");
    var error = document.getElementById("cert-error");
    var status = document.getElementById("cert-status");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var consentHash = form.querySelector("[name=consent_sha256]");
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    function fail(message) {
      error.textContent = message;
      error.hidden = false;
      status.textContent = "";
      button.disabled = false;
    }
    function post(url, body) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf,
                  "Accept": "application/json"},
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) {
            throw new Error((answer.error && answer.error.message) || form.dataset.msgFailed);
          }
          return answer;
        });
      });
    }
    var dstuButton = document.getElementById("dstu-sign");
    if (dstuButton) {
      dstuButton.addEventListener("click", function () {
        error.hidden = true;
        var consent = document.getElementById("consent-ok-cert");
        if (consent && !consent.checked) { fail(form.dataset.msgConsent); return; }
        var key = document.getElementById("dstu-key").files[0];
        if (!key) { fail(form.dataset.msgNoFile); return; }
        dstuButton.disabled = button.disabled = true;
        status.textContent = form.dataset.msgWorking;
        fetch(form.dataset.document, {credentials: "same-origin"})
          .then(function (response) {
            if (!response.ok) { throw new Error(form.dataset.msgFailed); }
            return response.blob();
          })
          .then(function (pdf) {
            return window.CertSign.signDstu({
              file: key, data: pdf, messages: form,
              certificates: Array.from(document.getElementById("dstu-cert").files),
              password: document.getElementById("dstu-password").value
            });
          })
          .then(function (p7s) {
            var body = new FormData();
            body.append("file", new Blob([p7s], {type: "application/pkcs7-signature"}),
                        "signature.p7s");
            body.append("consent_sha256", consentHash ? consentHash.value : "");
            return fetch(form.dataset.upload, {
              method: "POST", credentials: "same-origin", body: body,
              headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
            }).then(function (response) {
              return response.json().then(function (answer) {
                if (!response.ok) {
                  throw new Error((answer.error && answer.error.message) || form.dataset.msgFailed);
                }
                return answer;
              });
            });
          })
          .then(function () { window.location.href = form.dataset.done; },
                function (err) { dstuButton.disabled = false; fail(err.message || form.dataset.msgFailed); });
      });
    }
    button.addEventListener("click", function () {
      error.hidden = true;
      var consent = document.getElementById("consent-ok-cert");
      if (consent && !consent.checked) { fail(form.dataset.msgConsent); return; }
      var file = document.getElementById("key-file").files[0];
      if (!file) { fail(form.dataset.msgNoFile); return; }
      button.disabled = true;
      status.textContent = form.dataset.msgWorking;
      window.CertSign.sign({
        file: file,
        password: document.getElementById("key-password").value,
        messages: form,
        prepare: function (certs) {
          return post(form.dataset.prepare,
                      {certs: certs, consent_sha256: consentHash ? consentHash.value : ""});
        },
        finish: function (signature) {
          return post(form.dataset.finish, {signature: signature, timezone: zone});
        }
      }).then(function () { window.location.href = form.dataset.done; },
              function (err) { fail(err.message || form.dataset.msgFailed); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); }
  else { ready(); }
}());
