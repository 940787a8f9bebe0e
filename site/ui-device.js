// The device line in the header: a compact summary ("NVIDIA …, f16",
// "CPU in wasm: slow") with the full lines (adapter, shader-f16, compute
// device, errors) under "Details".

export function setupDevice({ line, lines, details }) {
  const state = { adapter: [], device: [], summary: 'Starting…', error: false };
  let adapterName = '';

  const render = () => {
    line.textContent = state.summary;
    line.title = state.summary;
    line.classList.toggle('error', state.error);
    lines.replaceChildren(...[...state.adapter, ...state.device].map(({ text, error }) => {
      const p = document.createElement('p');
      p.textContent = text;
      if (error) p.className = 'error';
      return p;
    }));
  };

  return {
    adapter(m) {
      adapterName = m.description || 'WebGPU adapter';
      state.adapter = [
        { text: `WebGPU adapter: ${m.description}` },
        { text: m.f16 ? 'shader-f16: available (f16 path)' : 'shader-f16: not available (f32 path)' },
      ];
      render();
    },
    adapterError(m) {
      state.adapter = [{ text: m.message, error: true }];
      render();
    },
    device(m) {
      state.device = [{ text: `Compute: ${m.note}` }];
      state.summary = m.slow ? 'CPU in wasm: slow' : `${adapterName}, ${m.backend === 'webgpu-f16' ? 'f16' : 'f32'}`;
      state.error = false;
      render();
    },
    // failed shows a fatal problem in both the summary and the details
    // (which open, so that the reason is in view).
    failed(message) {
      state.adapter = [{ text: message, error: true }];
      state.summary = 'Cannot compute';
      state.error = true;
      details.open = true;
      render();
    },
  };
}
