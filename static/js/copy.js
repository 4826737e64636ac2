// "Copy" buttons for request references: shown only where the browser can write to the clipboard.
document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) return;
  var status = document.getElementById(button.getAttribute("aria-describedby"));
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      if (status) status.textContent = button.dataset.copied;  // the page gives it in its language
    });
  });
});
