// messages.mjs — the page's messages: a toast fixed at the bottom of the viewport (so it is in
// view wherever the user is), role=alert for screen readers, and it takes the focus; dismissing it
// (✕ or Escape) returns the focus to `near` (the control the message is about) or to where it was.
const $ = (id) => document.getElementById(id);

let returnFocus = null;
export function showMessage(text, kind = 'error', near = null) {
  const box = $('message');
  $('message-text').textContent = text;
  box.classList.toggle('note', kind !== 'error');
  box.hidden = false;
  const active = document.activeElement;
  returnFocus = near ?? (active && active !== box && !box.contains(active) ? active : returnFocus);
  box.focus({ preventScroll: true });
}

export function clearMessage() {
  const box = $('message');
  if (box.hidden) return;
  const hadFocus = box.contains(document.activeElement);
  box.hidden = true;
  if (hadFocus && returnFocus?.isConnected) returnFocus.focus({ preventScroll: true });
  returnFocus = null;
}

$('message-close').addEventListener('click', clearMessage);
$('message').addEventListener('keydown', (e) => { if (e.key === 'Escape') clearMessage(); });
