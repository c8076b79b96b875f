// Small enhancements for the dashboard; every page also works without them.
"use strict";

function copySecret(button) {
  const target = document.getElementById(button.dataset.copyTarget);
  const status = document.querySelector("[data-copy-status]");
  if (!target) {
    return;
  }
  const text = target.textContent.trim();
  const done = function () {
    button.textContent = button.dataset.copiedText || "Copied";
    if (status) {
      status.textContent = "The key is on your clipboard.";
    }
  };
  const fallback = function () {
    // Select the key so Ctrl+C or the context menu copies it.
    const range = document.createRange();
    range.selectNodeContents(target);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (status) {
      status.textContent = "Copying is blocked here: the key is selected, press Ctrl+C.";
    }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
}

document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy-target]");
  if (button) {
    copySecret(button);
  }
});

function clearSecrets() {
  document.querySelectorAll("[data-secret]").forEach(function (element) {
    element.textContent = "";
  });
}

// Leaving the page blanks the key, so a copy kept in the back-forward cache
// contains nothing. A restored copy is fetched again as well: the server no
// longer has the key and answers with the "already shown" page.
window.addEventListener("pagehide", clearSecrets);
window.addEventListener("pageshow", function (event) {
  if (event.persisted && document.querySelector("[data-secret]")) {
    clearSecrets();
    window.location.reload();
  }
});
