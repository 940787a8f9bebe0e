// The "Edit an image" mode: a source picture and a mask painted over it,
// for GLIDE's inpainting models (the worker's "inpaint" request,
// wasm/cmd/worker/inpaint_js.go). The mask lives on the 64×64 grid the
// base model uses, and the canvas shows exactly that grid, so what the
// user paints is what the model gets. Painted cells are regenerated; the
// rest of the picture is kept.
//
// setupEdit fills the #edit-panel slot and returns
//   { active(), check() → [messages], request() → the inpaint fields }.

const GRID = 64; // the base model's mask grid
const VIEW = 256; // canvas pixels; one cell is VIEW / GRID = 4 pixels
const CELL = VIEW / GRID;
const MAX_SIDE = 2048; // a bigger photo is scaled down here first (the worker resizes it to 256 and 64)

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

// hex is the lower-case hex of an ArrayBuffer.
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

export function setupEdit({ panel, mode, guidance }) {
  const painted = new Uint8Array(GRID * GRID); // 1 = regenerate
  let source = null; // {width, height, data, sha256, name, square: {x, y, side}, bitmap}
  let tool = 'brush';
  let cursor = { x: GRID / 2, y: GRID / 2 };
  let showCursor = false;

  // The panel's markup.
  const file = el('input', { id: 'edit-source', type: 'file', accept: 'image/png,image/jpeg,image/webp',
    'aria-describedby': 'edit-source-hint edit-source-error' });
  const sourceError = el('p', { id: 'edit-source-error', class: 'field-error', hidden: true });
  const canvas = el('canvas', { id: 'edit-mask', width: String(VIEW), height: String(VIEW), role: 'img',
    'aria-label': 'Mask', tabindex: '0', 'aria-describedby': 'edit-mask-hint edit-mask-status' });
  const ctx = canvas.getContext('2d');
  const brush = el('input', { id: 'edit-brush', type: 'range', min: '1', max: '16', step: '1', value: '6' });
  const brushOut = el('output', { for: 'edit-brush', id: 'edit-brush-value' }, '6');
  const status = el('p', { id: 'edit-mask-status', class: 'mask-status', 'aria-live': 'polite' });
  const maskError = el('p', { id: 'edit-mask-error', class: 'field-error', hidden: true });
  const toolRadios = ['brush', 'eraser'].map((v) => el('input', { type: 'radio', name: 'edit-tool', value: v, checked: v === 'brush' }));
  const clearBtn = el('button', { type: 'button' }, 'Clear mask');
  const invertBtn = el('button', { type: 'button' }, 'Invert mask');
  const note = el('p', { class: 'note', id: 'edit-note', hidden: true });

  panel.replaceChildren(el('div', { class: 'edit' },
    el('div', { class: 'field' },
      el('label', { for: 'edit-source' }, 'Source image'),
      file,
      el('small', { id: 'edit-source-hint' }, 'PNG, JPEG or WebP; or paste or drop a picture here. A non-square picture is cropped to its centre square.'),
      sourceError),
    el('p', { class: 'note', id: 'edit-models' },
      'Editing uses GLIDE\'s inpainting models (base-inpaint and upsample-inpaint, about 1.5 GB for the released ones): ' +
      'they download on your first edit, with the size and progress in the Model section, and stay stored.'),
    el('div', { class: 'mask-wrap' }, canvas),
    el('small', { id: 'edit-mask-hint' },
      'Paint what to regenerate. Keyboard: arrow keys move the brush, Space paints (or erases).'),
    el('div', { class: 'mask-tools' },
      el('div', { class: 'tools', role: 'radiogroup', 'aria-label': 'Tool' },
        el('label', {}, toolRadios[0], ' Brush'), el('label', {}, toolRadios[1], ' Eraser')),
      el('label', { class: 'brush', for: 'edit-brush' }, 'Brush size ', brush, ' ', brushOut),
      el('div', { class: 'mask-buttons' }, clearBtn, invertBtn)),
    status, maskError, note));

  const count = () => painted.reduce((n, v) => n + v, 0);

  function draw() {
    ctx.clearRect(0, 0, VIEW, VIEW);
    if (source) {
      const { x, y, side } = source.square;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(source.bitmap, x, y, side, side, 0, 0, VIEW, VIEW);
    } else {
      ctx.fillStyle = '#8884';
      ctx.fillRect(0, 0, VIEW, VIEW);
    }
    // The painted (regenerated) region, translucent.
    ctx.fillStyle = 'rgba(236, 72, 153, 0.55)';
    for (let i = 0; i < painted.length; i++) {
      if (painted[i]) ctx.fillRect((i % GRID) * CELL, Math.floor(i / GRID) * CELL, CELL, CELL);
    }
    if (showCursor) {
      const r = Number(brush.value) / 2;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.arc((cursor.x + 0.5) * CELL, (cursor.y + 0.5) * CELL, Math.max(r, 0.5) * CELL, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const n = count();
    status.textContent = `${n} of ${GRID * GRID} cells painted (${Math.round((100 * n) / (GRID * GRID))} % regenerated)`;
    if (n > 0 && n < GRID * GRID) showError(maskError, '');
  }

  // stamp applies the tool with the brush centred on cell (cx, cy).
  function stamp(cx, cy) {
    const s = Number(brush.value);
    const r = Math.ceil(s / 2);
    const v = tool === 'brush' ? 1 : 0;
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= GRID || y >= GRID || dx * dx + dy * dy > (s * s) / 4) continue;
        painted[y * GRID + x] = v;
      }
    }
  }

  // line stamps every cell from a to b (no gaps in a fast stroke).
  function line(a, b) {
    const n = Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y), 1);
    for (let i = 0; i <= n; i++) stamp(Math.round(a.x + ((b.x - a.x) * i) / n), Math.round(a.y + ((b.y - a.y) * i) / n));
  }

  const cellAt = (e) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: Math.min(GRID - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * GRID))),
      y: Math.min(GRID - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * GRID))),
    };
  };
  let last = null;
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    canvas.setPointerCapture(e.pointerId);
    last = cellAt(e);
    stamp(last.x, last.y);
    draw();
  });
  canvas.addEventListener('pointermove', (e) => {
    cursor = cellAt(e);
    showCursor = true;
    if (last) {
      line(last, cursor);
      last = cursor;
    }
    draw();
  });
  const up = () => { last = null; };
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  canvas.addEventListener('pointerleave', () => { showCursor = false; draw(); });
  canvas.addEventListener('focus', () => { showCursor = true; draw(); });
  canvas.addEventListener('blur', () => { showCursor = false; draw(); });
  canvas.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? Number(brush.value) : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      const [dx, dy] = moves[e.key];
      cursor = { x: Math.min(GRID - 1, Math.max(0, cursor.x + dx)), y: Math.min(GRID - 1, Math.max(0, cursor.y + dy)) };
    } else if (e.key === ' ') {
      stamp(cursor.x, cursor.y);
    } else {
      return;
    }
    e.preventDefault();
    showCursor = true;
    draw();
  });

  for (const r of toolRadios) r.addEventListener('change', () => { if (r.checked) tool = r.value; });
  brush.addEventListener('input', () => { brushOut.textContent = brush.value; draw(); });
  clearBtn.addEventListener('click', () => { painted.fill(0); draw(); });
  invertBtn.addEventListener('click', () => { for (let i = 0; i < painted.length; i++) painted[i] ^= 1; draw(); });

  function showError(p, text) {
    p.textContent = text;
    p.hidden = !text;
  }

  // load decodes a picture file into RGBA pixels (scaled down to
  // MAX_SIDE if larger) and shows its centre square.
  async function load(f) {
    showError(sourceError, '');
    let bitmap;
    try {
      // No colour management or premultiplication: the bytes the model
      // sees are the file's own, so a kept region stays identical.
      bitmap = await createImageBitmap(f, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch {
      showError(sourceError, `Source image: ${f.name || 'this file'} could not be read as a picture. Choose a PNG, JPEG or WebP image.`);
      return;
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const cc = c.getContext('2d', { willReadFrequently: true });
    cc.imageSmoothingQuality = 'high';
    cc.drawImage(bitmap, 0, 0, w, h);
    const data = new Uint8Array(cc.getImageData(0, 0, w, h).data.buffer);
    let sha256 = '';
    try {
      sha256 = hex(await crypto.subtle.digest('SHA-256', await f.arrayBuffer()));
    } catch { /* no crypto.subtle outside secure contexts: the PNG then names no source hash */ }
    const side = Math.min(bitmap.width, bitmap.height);
    source = {
      width: w, height: h, data, sha256, name: f.name, bitmap,
      square: { x: (bitmap.width - side) / 2, y: (bitmap.height - side) / 2, side },
    };
    const notes = [];
    if (bitmap.width !== bitmap.height) notes.push(`The picture is ${bitmap.width}×${bitmap.height}: its centre ${side}×${side} square is edited.`);
    if (scale < 1) notes.push(`It was scaled to ${w}×${h} first.`);
    note.textContent = notes.join(' ');
    note.hidden = notes.length === 0;
    draw();
  }

  file.addEventListener('change', () => { if (file.files[0]) load(file.files[0]); });
  panel.addEventListener('dragover', (e) => { e.preventDefault(); panel.classList.add('drop'); });
  panel.addEventListener('dragleave', () => panel.classList.remove('drop'));
  panel.addEventListener('drop', (e) => {
    e.preventDefault();
    panel.classList.remove('drop');
    const f = [...(e.dataTransfer?.files ?? [])][0];
    if (f) load(f);
  });
  document.addEventListener('paste', (e) => {
    if (mode() !== 'edit') return;
    const f = [...(e.clipboardData?.files ?? [])].find((x) => x.type.startsWith('image/'));
    if (f) {
      e.preventDefault();
      load(f);
    }
  });

  // The inpaint notebook guides with scale 5, text-to-image with 3: swap
  // the defaults with the mode, leaving a value the user chose alone.
  const DEFAULTS = { text: '3', edit: '5' };
  document.addEventListener('webglide:mode', ({ detail }) => {
    panel.hidden = detail.mode !== 'edit';
    const other = detail.mode === 'edit' ? 'text' : 'edit';
    if (guidance && guidance.value === DEFAULTS[other]) guidance.value = DEFAULTS[detail.mode];
  });
  panel.hidden = mode() !== 'edit';
  draw();

  return {
    active: () => mode() === 'edit',
    // check returns the refusals of the edit inputs (and shows them).
    check() {
      const errs = [];
      if (!source) {
        if (!sourceError.textContent) showError(sourceError, 'Source image: choose a picture to edit (or paste or drop one).');
        errs.push(sourceError.textContent);
      }
      const n = count();
      if (n === 0) errs.push('Mask: paint the region to regenerate.');
      else if (n === GRID * GRID) errs.push('Mask: everything is painted, so nothing of the picture would be kept. Erase some of it, or use Text to image.');
      showError(maskError, errs.find((m) => m.startsWith('Mask:')) ?? '');
      if (errs.length) (source ? canvas : file).focus();
      return errs;
    },
    // request returns the inpaint fields of the worker's request.
    request() {
      const keep = new Uint8Array(GRID * GRID);
      for (let i = 0; i < keep.length; i++) keep[i] = painted[i] ? 0 : 1;
      return {
        type: 'inpaint',
        image: { width: source.width, height: source.height, data: source.data.slice() },
        mask: { width: GRID, height: GRID, data: keep },
        sourceSha256: source.sha256,
      };
    },
  };
}
