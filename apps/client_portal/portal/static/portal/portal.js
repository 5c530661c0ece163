// Small behaviours the Content-Security-Policy allows: no inline scripts.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.submit();
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
// Keep export links in step with the filters htmx applied.
document.addEventListener("htmx:pushedIntoHistory", () => {
  const query = window.location.search;
  document.querySelectorAll("a[data-export]").forEach((a) => {
    a.href = a.href.split("?")[0] + query;
  });
});
