// Back-office progressive enhancement: focus the error summary after a failed submit,
// and confirm destructive actions. Every form works without this script.
(() => {
  const summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }
})();
