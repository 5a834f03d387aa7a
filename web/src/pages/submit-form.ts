/**
 * The send-information form, in the browser: the checks the server makes anyway, made before
 * anything is sent and said in the page's language (the form is `novalidate`, so the browser's own
 * bubbles, in the browser's language, never show): required fields, and each file's size and type,
 * so a 20 MB photo is refused at once rather than after minutes of upload on a slow link. Then the
 * upload goes with a progress bar. The field in error is marked (aria-invalid, aria-describedby)
 * and focused. Without JavaScript the form posts as usual and the server answers the same way.
 */

/** What the server accepts (server/uploads/image-checks.ts); HEIC often comes with no type at all. */
const ACCEPTED = /^(image\/(jpeg|png|webp|heic|heif)|application\/pdf)$/;
const ACCEPTED_NAME = /\.(jpe?g|png|webp|heic|heif|pdf)$/i;

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (all, name: string) => (name in values ? String(values[name]) : all));
}

export function enhanceSubmitForm(form: HTMLFormElement): void {
  const data = form.dataset;
  const box = form.querySelector<HTMLElement>('#client-error');
  const files = form.querySelector<HTMLInputElement>('input[type=file]');
  const progress = form.querySelector<HTMLProgressElement>('#upload-progress');
  const status = form.querySelector<HTMLElement>('#upload-status');
  const maxBytes = Number(data.maxBytes);
  const maxFiles = Number(data.maxFiles);
  // Says the checks are in place (a test, or a script after this one, may wait for it).
  form.dataset.enhanced = 'true';

  const clear = () => {
    for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
      el.removeAttribute('aria-invalid');
      if (el.getAttribute('aria-describedby') === 'client-error') el.removeAttribute('aria-describedby');
    }
    if (box) {
      box.hidden = true;
      box.textContent = '';
    }
  };
  const fail = (field: HTMLElement, message: string) => {
    if (box) {
      box.textContent = message;
      box.hidden = false;
      // Right under the field, so it is read and seen where the eye and the focus are.
      field.after(box);
    }
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', 'client-error');
    field.focus();
  };
  const labelOf = (field: HTMLElement) => (form.querySelector(`label[for="${field.id}"]`)?.textContent ?? '').replace(/\s*\*\s*$/, '').trim();

  /** The first problem with the chosen files, or null. */
  const fileProblem = (): string | null => {
    const chosen = [...(files?.files ?? [])];
    if (chosen.length > maxFiles) return data.msgTooMany ?? '';
    for (const file of chosen) {
      if (file.size > maxBytes) return fill(data.msgTooLarge ?? '', { name: file.name });
      if (!(ACCEPTED.test(file.type) || (!file.type && ACCEPTED_NAME.test(file.name)))) return fill(data.msgType ?? '', { name: file.name });
    }
    return null;
  };

  files?.addEventListener('change', () => {
    clear();
    const problem = fileProblem();
    if (problem && files) fail(files, problem);
  });

  form.addEventListener('submit', (event) => {
    clear();
    for (const field of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('[required]')) {
      if (!field.value.trim()) {
        event.preventDefault();
        fail(field, fill(data.msgRequired ?? '', { field: labelOf(field) }));
        return;
      }
    }
    const problem = fileProblem();
    if (problem && files) {
      event.preventDefault();
      fail(files, problem);
      return;
    }
    // Only an upload is worth a progress bar; a text-only form posts as usual.
    if (!files?.files?.length || !progress) return;
    event.preventDefault();
    send(form, progress, status, data.msgSending ?? '', data.msgFailed ?? '', (message) => fail(files, message));
  });
}

function send(form: HTMLFormElement, progress: HTMLProgressElement, status: HTMLElement | null, sending: string, failed: string, onFail: (message: string) => void): void {
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
  const xhr = new XMLHttpRequest();
  xhr.open('POST', form.action);
  progress.hidden = false;
  progress.value = 0;
  if (button) button.disabled = true;
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    const percent = Math.round((e.loaded / e.total) * 100);
    progress.value = percent;
    if (status) status.textContent = fill(sending, { percent });
  });
  xhr.addEventListener('load', () => {
    // Sent: the server redirected to the tracking page. Refused: it answered with the form again,
    // its message in the page's language, which replaces this page as a plain post would.
    if (new URL(xhr.responseURL).pathname.startsWith('/theo-doi/')) {
      location.assign(xhr.responseURL);
      return;
    }
    document.open();
    document.write(xhr.responseText);
    document.close();
  });
  xhr.addEventListener('error', () => {
    progress.hidden = true;
    if (status) status.textContent = '';
    if (button) button.disabled = false;
    onFail(failed);
  });
  xhr.send(new FormData(form));
}
