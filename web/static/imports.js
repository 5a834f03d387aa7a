// The import page's progress bar: polls the batch's progress and reloads the page when a step ends.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh); a reload shows the same state.
(function () {
  var box = document.getElementById('tien-do');
  if (!box || box.dataset.running !== '1') return;
  var bar = document.getElementById('import-progress');
  var text = document.getElementById('import-progress-text');
  function fill(template, p) {
    return (template || '').replace('{done}', String(p.done)).replace('{total}', String(p.total));
  }
  // After a few failed polls in a row (a restart, a lost connection), the page is read again whole.
  var failures = 0;
  function failed() {
    failures += 1;
    if (failures >= 3) return window.location.reload();
    setTimeout(tick, 3000);
  }
  function tick() {
    fetch(box.dataset.progressUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return failed();
        failures = 0;
        if (p.finished) return window.location.reload();
        if (bar) { bar.max = Math.max(p.total, 1); bar.value = p.done; }
        if (text) text.textContent = fill(box.dataset['text-' + p.phase] || box.getAttribute('data-text-' + p.phase), p);
        setTimeout(tick, 1000);
      })
      .catch(failed);
  }
  setTimeout(tick, 1000);
})();
