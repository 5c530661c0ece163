// Small behaviours the Content-Security-Policy allows: no inline scripts.
// Everything here only enhances: every form and link works without it.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.submit();
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);

// Header menus (<details>): one open at a time; Escape or a click elsewhere closes.
const openMenus = () => document.querySelectorAll(".topbar details[open]");
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!(opened instanceof HTMLDetailsElement) || !opened.open) return;
  openMenus().forEach((other) => { if (other !== opened) other.open = false; });
}, true);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  openMenus().forEach((menu) => {
    const hadFocus = menu.contains(document.activeElement);
    menu.open = false;
    if (hadFocus) menu.querySelector("summary").focus();
  });
});
document.addEventListener("click", (event) => {
  openMenus().forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
});

// After htmx replaced the results: keep the filter form, the export links and
// the screen-reader status in step with the new address.
document.addEventListener("htmx:pushedIntoHistory", () => {
  const query = window.location.search;
  const params = new URLSearchParams(query);
  document.querySelectorAll("a[data-export]").forEach((a) => {
    a.href = a.href.split("?")[0] + query;
  });
  const ordering = document.querySelector("form.filters [name=ordering]");
  if (ordering) ordering.value = params.get("ordering") || "";
});
document.addEventListener("htmx:afterSettle", () => {
  const results = document.getElementById("results");
  const status = document.getElementById("results-status");
  if (!results || !status) return;
  const count = results.querySelector(".count");
  status.textContent = count ? count.textContent.trim() : "";
});
