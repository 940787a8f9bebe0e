// WebGLIDE page script (UI thread). All compute runs in a dedicated
// worker (site/worker.js); this file only starts it and shows what it
// reports, so the page never blocks.
//
// Messages from the worker:
//   {type: 'adapter', description, vendor, architecture, f16}
//   {type: 'error', kind, message}

const status = document.getElementById('status');

// show replaces the status region's lines; error lines are marked so.
function show(lines, { error = false } = {}) {
  status.replaceChildren(...lines.map((text) => {
    const p = document.createElement('p');
    p.textContent = text;
    if (error) p.className = 'error';
    return p;
  }));
}

function start() {
  let worker;
  try {
    worker = new Worker(new URL('./worker.js', import.meta.url));
  } catch (err) {
    show([`Cannot start the compute worker: ${err.message}`], { error: true });
    return;
  }
  worker.addEventListener('message', ({ data }) => {
    switch (data.type) {
      case 'adapter':
        show([
          `WebGPU adapter: ${data.description}`,
          data.f16
            ? 'shader-f16: available (f16 path)'
            : 'shader-f16: not available (f32 path)',
        ]);
        break;
      case 'error':
        show([data.message], { error: true });
        break;
    }
  });
  worker.addEventListener('error', (e) => {
    show([`The compute worker failed: ${e.message || 'could not load'}`], { error: true });
  });
}

start();
