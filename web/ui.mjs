// ui.mjs — small helpers shared by the page's modules: reading numbers from
// inputs with a readable refusal, and saving bytes as a download.

/** An Error about an <input>: `input` lets the page return the focus to it once the message is read. */
function refuse(input, text) { return Object.assign(new Error(text), { input }); }

function parse(input, name) {
  const text = String(input.value).trim();
  const v = text === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw refuse(input, `${name}: "${text}" is not a number`);
  return v;
}

/** A whole number in lo..hi from an <input>, or an Error saying what is wrong. */
export function readInt(input, name, lo, hi) {
  const v = parse(input, name);
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw refuse(input, `${name} must be a whole number from ${lo.toLocaleString('en')} to ${hi.toLocaleString('en')} (got ${input.value})`);
  return v;
}

/** A number in [lo, hi] from an <input>, or an Error saying what is wrong. */
export function readNumber(input, name, lo, hi) {
  const v = parse(input, name);
  if (v < lo || v > hi) throw refuse(input, `${name} must be between ${lo} and ${hi} (got ${input.value})`);
  return v;
}

/** Offers bytes as a file download. */
export function downloadBytes(bytes, fileName) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
