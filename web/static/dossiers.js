// Folder upload of scanned dossiers: each file of the chosen folder sent in its own request (the
// server refuses a body of several files), with its relative path, which holds the record's id.
// Plain script; without it the form sends one file.
(function () {
  'use strict';
  var form = document.getElementById('dossier-batch');
  if (!form || !window.fetch || !window.FormData) return;
  var progress = document.getElementById('dossier-batch-progress');
  var strings = { sending: form.dataset.sending || '…', stored: form.dataset.stored || 'OK', failed: form.dataset.failed || '×' };
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var files = [];
    form.querySelectorAll('input[type="file"]').forEach(function (input) { for (var i = 0; i < input.files.length; i++) files.push(input.files[i]); });
    var next = 0;
    var one = function () {
      if (next >= files.length) { window.location.href = form.dataset.review; return Promise.resolve(); }
      var file = files[next++];
      var line = document.createElement('li');
      line.textContent = (file.webkitRelativePath || file.name) + ' — ' + strings.sending;
      progress.appendChild(line);
      var body = new FormData();
      body.append('path', file.webkitRelativePath || file.name);
      body.append('file', file, file.name);
      return fetch(form.action, { method: 'POST', body: body, headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (res) { return res.json().then(function (json) { return { ok: res.ok, json: json }; }); })
        .then(function (r) { line.textContent = (file.webkitRelativePath || file.name) + ' — ' + (r.ok ? strings.stored : (r.json.error && r.json.error.message) || strings.failed); })
        .catch(function () { line.textContent = (file.webkitRelativePath || file.name) + ' — ' + strings.failed; })
        .then(one);
    };
    one();
  });
})();
