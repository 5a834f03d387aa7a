/**
 * The public pages' buttons that need a browser: print (window.print), share (the Web Share API
 * where the browser has it, so phones offer Zalo, Messenger and the rest; else copy the link).
 * The buttons are in the HTML with `hidden` and shown here, so a page without JavaScript shows
 * only what works without it (the A4 sheet link, Facebook's sharer link, the address written out).
 */

import { enhanceSubmitForm } from './submit-form.js';

function reveal(selector: string, onClick: (button: HTMLButtonElement) => void): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>(selector)) {
    button.hidden = false;
    button.addEventListener('click', () => onClick(button));
  }
}

/** Copies text; falls back to selecting it in a field for the person to copy when the clipboard is refused. */
async function copy(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (field) {
      field.hidden = false;
      field.focus();
      field.select();
    }
    return false;
  }
}

function say(box: Element | null, text: string | undefined): void {
  if (box && text) box.textContent = text;
}

reveal('[data-print]', () => window.print());

reveal('[data-share]', async (button) => {
  const url = button.dataset.url ?? location.href;
  const title = button.dataset.title ?? document.title;
  const status = document.getElementById(button.dataset.status ?? '');
  if (typeof navigator.share === 'function') {
    try {
      await navigator.share({ title, url });
      return;
    } catch (error) {
      // Closing the share sheet is a choice, not a failure to fall back from.
      if (error instanceof DOMException && error.name === 'AbortError') return;
    }
  }
  const field = document.getElementById(button.dataset.field ?? '') as HTMLInputElement | null;
  say(status, (await copy(url, field)) ? button.dataset.copied : button.dataset.copyFailed);
});

const submitForm = document.querySelector<HTMLFormElement>('form.submit-form');
if (submitForm) enhanceSubmitForm(submitForm);
