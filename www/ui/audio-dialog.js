/**
 * Audio setup: microphone and speakers, remembered in settings. A native
 * <dialog>: Escape closes it, focus returns to where it was.
 */
import { byId, setDeviceSummary } from './dom.js';

/** @param {string} id */
function select(id) {
  return /** @type {HTMLSelectElement} */ (byId(id));
}

/**
 * @param {{ inputs: MediaDeviceInfo[], outputs: MediaDeviceInfo[] }} devices
 * @param {{ id: string }} input preferred
 * @param {{ id: string }} output preferred
 * @param {boolean} canPickOutput
 */
export function fillDevices(devices, input, output, canPickOutput) {
  const fill = (/** @type {HTMLSelectElement} */ sel, /** @type {MediaDeviceInfo[]} */ list, /** @type {string} */ want, /** @type {string} */ noun) => {
    sel.textContent = '';
    const def = document.createElement('option');
    def.value = '';
    def.textContent = `System default ${noun}`;
    sel.append(def);
    list.forEach((d, i) => {
      if (d.deviceId === 'default' || d.deviceId === '') return;
      const o = document.createElement('option');
      o.value = d.deviceId;
      o.textContent = d.label || `${noun[0].toUpperCase()}${noun.slice(1)} ${i + 1}`;
      sel.append(o);
    });
    sel.value = [...sel.options].some((o) => o.value === want) ? want : '';
  };
  fill(select('audioInputSelect'), devices.inputs, input.id, 'microphone');
  fill(select('audioOutputSelect'), devices.outputs, output.id, 'speakers');
  select('audioOutputSelect').disabled = !canPickOutput;
}

/** @param {string} inputName @param {string} outputName */
export function showDeviceSummary(inputName, outputName) {
  const parts = [];
  if (inputName) parts.push(`Microphone: ${inputName}.`);
  if (outputName) parts.push(`Speakers: ${outputName}.`);
  setDeviceSummary(parts.join(' '));
}

/**
 * @param {{ onOpen: () => void, onInput: (id: string, name: string) => void, onOutput: (id: string, name: string) => void }} h
 */
export function installAudioDialog(h) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('audioDialog'));
  /** @type {Element | null} */
  let returnTo = null;
  byId('audioSetupButton').addEventListener('click', () => {
    returnTo = document.activeElement;
    dialog.showModal();
    h.onOpen();
    select('audioInputSelect').focus();
  });
  byId('audioDialogClose').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (returnTo instanceof HTMLElement && !returnTo.hidden) returnTo.focus();
  });
  const changed = (/** @type {HTMLSelectElement} */ sel, /** @type {(id: string, name: string) => void} */ fn) => {
    sel.addEventListener('change', () => {
      const opt = sel.selectedOptions[0];
      fn(sel.value, sel.value && opt ? opt.textContent || '' : '');
    });
  };
  changed(select('audioInputSelect'), h.onInput);
  changed(select('audioOutputSelect'), h.onOutput);
}

/** @param {string} text */
export function setAudioDialogStatus(text) {
  byId('audioDialogStatus').textContent = text;
}
