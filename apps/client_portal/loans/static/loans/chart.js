/* The balance of a loan over time (loans/detail): uPlot, data from a JSON script tag. */
(function () {
  var box = document.getElementById("loan-balance-chart");
  var source = document.getElementById("loan-balance-data");
  if (!box || !source || typeof uPlot === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.x || data.x.length < 2) return;
  function size() { return { width: Math.max(240, box.clientWidth), height: 220 }; }
  var opts = Object.assign(size(), {
    series: [{}, { label: box.dataset.label, stroke: "#2563eb", fill: "rgba(37,99,235,0.1)" }],
    axes: [{}, { size: 70 }],
    legend: { show: false },
  });
  var plot = new uPlot(opts, [data.x, data.y.map(Number)], box);
  window.addEventListener("resize", function () { plot.setSize(size()); });
})();
