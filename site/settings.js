// The form's settings as one plain object, read and written by the PWA's
// modules (gallery.js: "Use these settings"; share.js: share links and
// dropped PNGs): {prompt, seed, guidance, steps, upsampleSteps, batch},
// all strings, as the form holds them. fill() sets the fields and fires
// their input events, so the page's own listeners (token count, presets,
// validation) see the change as if typed.

const FIELDS = {
  prompt: 'prompt', seed: 'seed', guidance: 'guidance', steps: 'steps', upsampleSteps: 'upsample-steps', batch: 'batch',
};
export const KEYS = Object.keys(FIELDS);

const field = (key) => document.getElementById(FIELDS[key]);

// read returns the form's settings now.
export function read() {
  return Object.fromEntries(KEYS.map((k) => [k, field(k)?.value.trim() ?? '']));
}

// fill writes the given settings (missing keys stay as they are) and
// switches the page to text-to-image mode unless keepMode.
export function fill(settings, { keepMode = false } = {}) {
  if (!keepMode) {
    const text = document.querySelector('input[name="mode"][value="text"]');
    if (text && !text.checked) {
      text.checked = true;
      text.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }
  for (const k of KEYS) {
    const el = field(k);
    if (!el || settings[k] === undefined || settings[k] === null) continue;
    el.value = String(settings[k]);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }
}

// fromPNGText maps a PNG's text chunks (glide generate's, or the page's
// downloads: glide:prompt, glide:seed, glide:guidance, glide:steps,
// glide:upsample "SPEC temp=T", glide:batch) to settings; null when the
// PNG carries none of them.
export function fromPNGText(text) {
  if (!text || text['glide:seed'] === undefined) return null;
  return {
    prompt: text['glide:prompt'] ?? '',
    seed: text['glide:seed'],
    guidance: text['glide:guidance'],
    steps: text['glide:steps'],
    upsampleSteps: (text['glide:upsample'] ?? '').replace(/\s+temp=\S*$/, '') || undefined,
    batch: text['glide:batch'],
  };
}
