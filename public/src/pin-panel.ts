/**
 * The cashier's PIN sign-in: a 4–6 digit PIN typed or tapped on a keypad. `signIn` asks the server
 * (POST /api/terminal/sessions); its error (a wrong PIN, the 5-minute lock) shows under the pad.
 */
import { ApiError } from './api.ts';
import { h, replace } from './dom.ts';
import { t } from './i18n.ts';

export function openPinPanel(el: HTMLElement, signIn: (pin: string) => Promise<void>, onClose: () => void): void {
  const pin = h('input', { id: 'pin-input', type: 'password', inputmode: 'numeric', maxlength: 6, autocomplete: 'off', 'aria-label': t('pin') });
  const error = h('p', { class: 'error', id: 'pin-error' });
  async function submit(): Promise<void> {
    try {
      await signIn(pin.value);
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : (err as Error).message;
      pin.value = '';
    }
  }
  const keypad = h('div', { class: 'keypad' }, ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', '✓'].map((k) =>
    h('button', { class: 'key', type: 'button', onclick: () => {
      if (k === '⌫') pin.value = pin.value.slice(0, -1);
      else if (k === '✓') void submit();
      else if (pin.value.length < 6) pin.value += k;
    } }, k)));
  replace(el,
    h('form', { class: 'panel pin', onsubmit: (e: Event) => {
      e.preventDefault();
      void submit();
    } }, h('h2', {}, t('cashier_sign_in')), pin, keypad, error,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: onClose }, t('cancel')),
        h('button', { type: 'submit', id: 'pin-submit', class: 'charge' }, t('sign_in')))));
  pin.focus();
}
