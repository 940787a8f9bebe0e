// Refusals shown next to the field they name: the message under the
// input, aria-invalid on it, and focus on the first bad field.

export function createFieldErrors(inputs) {
  const errorOf = (input) => document.getElementById(`${input.id}-error`);
  const clearOne = (input) => {
    input.removeAttribute('aria-invalid');
    const e = errorOf(input);
    if (e) {
      e.hidden = true;
      e.textContent = '';
    }
  };
  for (const input of Object.values(inputs)) input.addEventListener('input', () => clearOne(input));

  return {
    clear() {
      for (const input of Object.values(inputs)) clearOne(input);
    },
    // show marks each {field, message}; it returns false when a field is
    // unknown to the form (the caller then shows the message elsewhere).
    show(errs) {
      let first = null;
      let all = true;
      for (const { field, message } of errs) {
        const input = inputs[field];
        const e = input && errorOf(input);
        if (!e) {
          all = false;
          continue;
        }
        input.setAttribute('aria-invalid', 'true');
        e.textContent = message;
        e.hidden = false;
        first ??= input;
      }
      first?.focus();
      return all;
    },
  };
}
