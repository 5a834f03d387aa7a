// Grave upkeep in the staff area: photos sent one request each with retries, a preview of a chosen
// photo, and "use my current position". Plain script, no build step; every page works without it.
(function () {
  'use strict';

  function fill(template, params) {
    return String(template || '').replace(/\{(\w+)\}/g, function (_, name) { return params[name] === undefined ? '' : String(params[name]); });
  }

  // ----- batch upload: one photo per request, retried over a poor connection -----
  var form = document.getElementById('photo-upload-form');
  if (form && window.fetch && window.FormData) {
    var input = form.querySelector('input[type="file"]');
    var strings = document.getElementById('upload-strings').dataset;
    var progress = document.getElementById('upload-progress');
    var list = document.getElementById('upload-files');
    var summary = document.getElementById('upload-summary');
    var reviewLink = document.getElementById('upload-review');
    var csrf = form.querySelector('input[name="_csrf"]').value;
    var MAX_ATTEMPTS = 6;
    var AT_ONCE = 2;
    input.multiple = true;

    var counts = { total: 0, done: 0, failed: 0 };
    var showSummary = function () {
      summary.textContent = fill(summary.dataset.templateDone, counts);
      if (counts.done + counts.failed === counts.total) reviewLink.hidden = counts.done === 0;
    };
    var sleep = function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); };

    var describe = function (upload) {
      var p = upload.proposals && upload.proposals[0];
      if (p) return fill(strings.nearest, { label: p.label, who: p.who, metres: p.distanceText });
      return upload.position ? strings.noGrave : strings.noPosition;
    };

    var send = function (file, line) {
      var attempt = 1;
      var tryOnce = function () {
        line.status.textContent = strings.sending;
        var body = new FormData();
        body.append('_csrf', csrf);
        body.append('photo', file, file.name);
        return fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf } })
          .then(function (res) {
            return res.json().catch(function () { return {}; }).then(function (json) { return { res: res, json: json }; });
          })
          .then(function (r) {
            if (r.res.ok) {
              counts.done++;
              line.status.className = 'up-ok';
              line.status.textContent = (r.json.duplicate ? strings.duplicate : strings.stored) + ' · ' + describe(r.json.upload);
              return;
            }
            // Refused for what the file is (type, size, damage) or who sends it: retrying will not help.
            if (r.res.status < 500 && r.res.status !== 408 && r.res.status !== 429) {
              counts.failed++;
              line.status.className = 'up-bad';
              line.status.textContent = strings.failed + ': ' + ((r.json.error && r.json.error.message) || r.res.status);
              return;
            }
            throw new Error('HTTP ' + r.res.status);
          })
          .catch(function (error) {
            if (line.status.className) return;
            if (attempt >= MAX_ATTEMPTS) {
              counts.failed++;
              line.status.className = 'up-bad';
              line.status.textContent = strings.failed + ': ' + error.message;
              return;
            }
            var wait = Math.min(30, Math.pow(2, attempt - 1));
            attempt++;
            line.status.textContent = fill(strings.retry, { seconds: wait, attempt: attempt });
            return sleep(wait * 1000).then(tryOnce);
          });
      };
      return tryOnce().then(showSummary);
    };

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) return;
      progress.hidden = false;
      // On a phone the list is below the form: bring it into view, where the news is.
      progress.scrollIntoView({ block: 'start' });
      counts.total += files.length;
      var queue = files.map(function (file) {
        var li = document.createElement('li');
        var name = document.createElement('span');
        name.textContent = file.name + ': ';
        var status = document.createElement('span');
        status.textContent = strings.waiting;
        li.appendChild(name);
        li.appendChild(status);
        list.appendChild(li);
        return { file: file, line: { status: status } };
      });
      showSummary();
      form.reset();
      var next = function () {
        var item = queue.shift();
        return item ? send(item.file, item.line).then(next) : Promise.resolve();
      };
      for (var i = 0; i < AT_ONCE; i++) next();
    });
  }

  // ----- see a chosen photo at once -----
  Array.prototype.forEach.call(document.querySelectorAll('input[type="file"][data-preview]'), function (fileInput) {
    var preview = document.getElementById(fileInput.dataset.preview);
    var url = null;
    fileInput.addEventListener('change', function () {
      if (url) URL.revokeObjectURL(url);
      var file = fileInput.files && fileInput.files[0];
      if (!file || !preview) return;
      url = URL.createObjectURL(file);
      preview.src = url;
      preview.hidden = false;
    });
  });

  // ----- use my current position -----
  var locate = document.getElementById('use-position');
  if (locate && navigator.geolocation) {
    var lat = document.getElementById('grave-lat');
    var lng = document.getElementById('grave-lng');
    var status = document.getElementById('position-status');
    locate.hidden = false;
    locate.addEventListener('click', function () {
      status.textContent = locate.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(7);
        lng.value = position.coords.longitude.toFixed(7);
        status.textContent = fill(locate.dataset.located, { accuracy: Math.round(position.coords.accuracy) });
      }, function (error) {
        status.textContent = fill(locate.dataset.failed, { reason: error.message });
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  }
})();
