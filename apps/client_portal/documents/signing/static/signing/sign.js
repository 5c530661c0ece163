/* The signing page: the signature pad (signature_pad, vendored), the typed-name
   fallback, and the signing time shown in UTC and in the signer's zone. */
(function () {
  "use strict";
  function ready() {
    var form = document.getElementById("sign-form");
    var canvas = document.getElementById("signature-pad");
    if (!form || !canvas || !window.SignaturePad) { return; }
    var pad = new window.SignaturePad(canvas, { backgroundColor: "rgba(255,255,255,0)" });
    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (data && data.length) { pad.fromData(data); }
    }
    window.addEventListener("resize", resize);
    resize();
    document.getElementById("pad-clear").addEventListener("click", function () { pad.clear(); });
    pad.addEventListener("endStroke", function () {
      document.getElementById("pad-empty").hidden = true;
    });
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    document.getElementById("signer-timezone").value = zone;
    // In the page's language (not the browser's), in UTC and in the signer's own zone.
    var lang = document.documentElement.lang || undefined;
    function format(date, timeZone) {
      var options = { dateStyle: "long", timeStyle: "medium" };
      if (timeZone) { options.timeZone = timeZone; }
      try { return new Intl.DateTimeFormat(lang, options).format(date); }
      catch (e) { return date.toISOString().replace("T", " ").slice(0, 19); }
    }
    function tick() {
      var now = new Date();
      document.getElementById("time-utc").textContent = format(now, "UTC") + " UTC";
      document.getElementById("time-local").textContent =
        format(now, zone || undefined) + (zone === "UTC" ? " UTC" : zone ? " (" + zone + ")" : "");
    }
    tick();
    window.setInterval(tick, 1000);
    form.addEventListener("submit", function (event) {
      var typed = document.getElementById("typed-name").value.trim();
      var empty = document.getElementById("pad-empty");
      if (!pad.isEmpty()) {
        document.getElementById("signature-image").value = pad.toDataURL("image/png");
      } else if (!typed) {
        event.preventDefault();
        empty.hidden = false;
        return;
      }
      empty.hidden = true;
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); }
  else { ready(); }
}());
