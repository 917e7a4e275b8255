// Small progressive enhancements; every page works without JavaScript.
// Kept in a file (no inline script) so the Content-Security-Policy can forbid inline code.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
