/* The balance of a loan over time (loans/detail): uPlot, data from a JSON script tag.
   Dates and amounts on the axes are in the page's language (<html lang>). */
(function () {
  var box = document.getElementById("loan-balance-chart");
  var source = document.getElementById("loan-balance-data");
  if (!box || !source || typeof uPlot === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.x || data.x.length < 2) return;
  var lang = document.documentElement.lang || undefined;
  var span = data.x[data.x.length - 1] - data.x[0];
  var long = span > 400 * 86400;  // over a year or so: month and year; else day and month
  var dates = new Intl.DateTimeFormat(lang, long ? { month: "short", year: "2-digit" }
                                                 : { day: "numeric", month: "short" });
  var numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  function size() { return { width: Math.max(240, box.clientWidth), height: 220 }; }
  var opts = Object.assign(size(), {
    series: [{}, { label: box.dataset.label, stroke: "#2563eb", fill: "rgba(37,99,235,0.1)" }],
    axes: [
      { values: function (u, splits) {
        return splits.map(function (s) { return dates.format(new Date(s * 1000)); }); } },
      { size: 70, values: function (u, splits) {
        return splits.map(function (v) { return numbers.format(v); }); } },
    ],
    legend: { show: false },
  });
  var plot = new uPlot(opts, [data.x, data.y.map(Number)], box);
  box.uplot = plot;  // reachable from the console (and the browser test)
  window.addEventListener("resize", function () { plot.setSize(size()); });
})();
