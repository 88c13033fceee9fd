// The print page's "Print" button: shown only where scripts run, it opens the print dialog.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
