// The <glide-image> widget's styles: one constructed stylesheet shared by
// every element's shadow root (adoptedStyleSheets: no <style> element, so
// a host CSP without 'unsafe-inline' in style-src allows it too).
//
// Host selectors never reach into the shadow tree, but inherited
// properties (font, colour, line height, letter spacing…) do, from the
// host element, which the host page's `* {…}` rules match. So .frame
// starts from `all: initial` and sets every inherited value it relies on;
// nothing below it inherits from the host page. A host styles the widget
// through the custom properties below and the ::part names (frame, stage,
// image, preview, caption, form, prompt, generate, cancel, progress,
// status).
//
//   --glide-background, --glide-color, --glide-accent, --glide-border,
//   --glide-font (a font family), --glide-radius

const CSS = `
:host { display: inline-block; vertical-align: top; contain: content; }
:host([hidden]) { display: none; }
.frame {
  all: initial;
  display: block;
  box-sizing: border-box;
  width: calc(var(--glide-size, 256px) + 20px);
  padding: 9px;
  border: 1px solid var(--glide-border, #c9cbd3);
  border-radius: var(--glide-radius, 10px);
  background: var(--glide-background, #ffffff);
  color: var(--glide-color, #1f2330);
  font-family: var(--glide-font, system-ui, sans-serif);
  font-size: 13px;
  font-weight: 400;
  font-style: normal;
  line-height: 1.4;
  letter-spacing: normal;
  word-spacing: normal;
  text-align: start;
  text-transform: none;
  text-indent: 0;
  white-space: normal;
  visibility: visible;
  cursor: auto;
}
.frame *, .frame *::before, .frame *::after { box-sizing: border-box; }
.stage {
  display: grid;
  width: var(--glide-size, 256px);
  height: var(--glide-size, 256px);
  background: #e9eaef;
  border-radius: 6px;
  overflow: hidden;
}
.stage > * { grid-area: 1 / 1; width: 100%; height: 100%; display: block; }
.stage > [hidden] { display: none; }
.stage img, .stage canvas { object-fit: contain; max-width: none; margin: 0; padding: 0; border: 0; }
.stage canvas { image-rendering: pixelated; }
.images img { display: block; width: 100%; height: 100%; }
.images.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(30%, 1fr)); gap: 2px; align-content: start; }
.images.grid img { height: auto; }
.caption { margin: 6px 0 0; overflow-wrap: anywhere; }
.form { display: flex; gap: 6px; margin: 6px 0 0; }
.form[hidden] { display: none; }
input, button {
  font: inherit;
  color: inherit;
  margin: 0;
  border-radius: 6px;
}
input {
  flex: 1;
  min-width: 0;
  padding: 4px 6px;
  border: 1px solid var(--glide-border, #c9cbd3);
  background: var(--glide-background, #ffffff);
}
button {
  display: inline-block;
  padding: 4px 10px;
  border: 1px solid var(--glide-accent, #3451b2);
  background: var(--glide-accent, #3451b2);
  color: #ffffff;
  cursor: pointer;
}
button.secondary { background: transparent; color: var(--glide-accent, #3451b2); }
button:disabled { opacity: 0.5; cursor: default; }
button[hidden] { display: none; }
progress { display: block; width: 100%; height: 6px; margin: 6px 0 0; accent-color: var(--glide-accent, #3451b2); }
progress[hidden] { display: none; }
.status { margin: 4px 0 0; min-height: 1.4em; font-size: 12px; opacity: 0.85; overflow-wrap: anywhere; }
.status.error { color: #b3261e; opacity: 1; }
`;

let sheet = null;

// styles returns the shared stylesheet (made on first use).
export function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}
