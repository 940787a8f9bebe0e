// Step presets: buttons that set Steps and Upsampler steps together
// ("Fast": 25 + ddim25; "Reference": the GLIDE notebook's 100 + fast27).
// A preset shows as pressed while both fields hold its values.

export function setupPresets({ buttons, steps, upsampleSteps }) {
  const sync = () => {
    for (const b of buttons) {
      const on = steps.value.trim() === b.dataset.steps && upsampleSteps.value.trim() === b.dataset.upsample;
      b.setAttribute('aria-pressed', String(on));
    }
  };
  for (const b of buttons) {
    b.addEventListener('click', () => {
      steps.value = b.dataset.steps;
      upsampleSteps.value = b.dataset.upsample;
      for (const f of [steps, upsampleSteps]) f.dispatchEvent(new Event('input', { bubbles: true }));
      sync();
    });
  }
  steps.addEventListener('input', sync);
  upsampleSteps.addEventListener('input', sync);
  return { sync };
}
