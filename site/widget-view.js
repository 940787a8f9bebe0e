// The inside of one <glide-image>: the stage (the live 64×64 preview in a
// canvas, then the result as img elements whose alt text is the prompt),
// the caption, the small form (Prompt, Generate, Cancel), the progress bar
// and the status line. Everything the host or the worker supplies is set
// as text (textContent, value, alt), never parsed as HTML.

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'part' || k.startsWith('aria-') || k === 'role') e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children);
  return e;
}

export class View {
  constructor(root) {
    this.preview = el('canvas', { part: 'preview', width: 64, height: 64, hidden: true, 'aria-hidden': 'true' });
    this.images = el('div', { className: 'images', hidden: true });
    this.placeholder = el('div', { className: 'placeholder' });
    this.stage = el('div', { part: 'stage', className: 'stage' }, this.placeholder, this.preview, this.images);
    this.caption = el('p', { part: 'caption', className: 'caption' });
    this.prompt = el('input', { part: 'prompt', type: 'text', autocomplete: 'off', 'aria-label': 'Prompt' });
    this.generate = el('button', { part: 'generate', type: 'submit', textContent: 'Generate' });
    this.cancel = el('button', { part: 'cancel', type: 'button', className: 'secondary', textContent: 'Cancel', hidden: true });
    this.form = el('form', { part: 'form', className: 'form' }, this.prompt, this.generate, this.cancel);
    this.progress = el('progress', { part: 'progress', max: 1, value: 0, hidden: true, 'aria-label': 'Progress' });
    this.status = el('p', { part: 'status', className: 'status', role: 'status', 'aria-label': 'Generation status' });
    root.append(el('div', { part: 'frame', className: 'frame' },
      this.stage, this.caption, this.form, this.progress, this.status));
  }

  setSize(px) {
    this.stage.parentElement.style.setProperty('--glide-size', `${px}px`);
  }

  setPrompt(prompt) {
    this.caption.textContent = prompt;
    if (this.prompt.getRootNode().activeElement !== this.prompt) this.prompt.value = prompt;
  }

  setStatus(text, { error = false } = {}) {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  setBusy(busy) {
    this.generate.disabled = busy;
    this.cancel.hidden = !busy;
    this.progress.hidden = !busy;
    if (!busy) this.progress.value = 0;
  }

  setProgress(value, max) {
    this.progress.max = max || 1;
    this.progress.value = Math.min(value, this.progress.max);
  }

  // showPreview draws a progress message's preview {width, height, data}.
  showPreview({ width, height, data }) {
    this.preview.width = width;
    this.preview.height = height;
    const px = new Uint8ClampedArray(data.buffer, data.byteOffset, width * height * 4);
    this.preview.getContext('2d').putImageData(new ImageData(px, width, height), 0, 0);
    this.preview.hidden = false;
    this.images.hidden = true;
  }

  // showImages shows the finished images (object URLs of their PNGs).
  showImages(urls, prompt) {
    for (const img of this.images.querySelectorAll('img')) URL.revokeObjectURL(img.src);
    this.images.replaceChildren(...urls.map((src, i) =>
      el('img', { part: 'image', src, alt: altText(prompt, i, urls.length), decoding: 'async' })));
    this.images.classList.toggle('grid', urls.length > 1);
    this.images.hidden = false;
    this.preview.hidden = true;
  }
}

const altText = (prompt, i, n) => (n > 1 ? `${prompt} (image ${i + 1} of ${n})` : prompt);
