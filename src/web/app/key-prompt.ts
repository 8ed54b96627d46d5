/// <reference lib="dom" />
import { el } from './dom';

let pending: Promise<string> | undefined;

/** Asks for an API key in a modal dialog; concurrent callers share one prompt. */
export function askForKey(reason: string): Promise<string> {
  pending ??= new Promise<string>((resolve) => {
    const input = el('input', {
      id: 'api-key',
      type: 'password',
      autocomplete: 'off',
      required: true,
      minlength: 1,
      'aria-describedby': 'api-key-help',
    });
    const dialog = el(
      'dialog',
      { class: 'key-dialog', 'aria-labelledby': 'api-key-title' },
      el(
        'form',
        { method: 'dialog' },
        el('h2', { id: 'api-key-title' }, 'API key'),
        el('p', { id: 'api-key-help' }, reason, ' It is kept for this browser session only.'),
        el('label', { for: 'api-key' }, 'Key'),
        input,
        el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Use key')),
      ),
    );
    // Escape must not leave the page without a key and nothing to retry.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    dialog.addEventListener('close', () => {
      const key = input.value.trim();
      if (key === '') {
        dialog.showModal();
        return;
      }
      dialog.remove();
      pending = undefined;
      resolve(key);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pending;
}
