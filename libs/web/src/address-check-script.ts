/** Where the address form's script is served (the pages' only script). */
export const ADDRESS_CHECK_SCRIPT_PATH = '/pages/assets/address-check.js';

/**
 * Progressive enhancement of the mailroom's address form: as the operator types, the form is
 * posted (with its CSRF token) to the hub's check, which runs the mailroom's own address checks,
 * and the answer replaces the checks region (a polite live region). Without it, the form still
 * works: saving runs the same checks and the page shows them. Text only: no markup is built
 * from the answer. Plain ES2017, no build step.
 */
export const ADDRESS_CHECK_SCRIPT = `'use strict';
(function () {
  var form = document.querySelector('form[data-address-check]');
  var region = document.getElementById('address-checks');
  if (!form || !region || !window.fetch || !window.URLSearchParams) return;
  var timer;
  var asked = 0;
  function show(answer) {
    region.className = answer.ok ? 'notice' : 'notice error';
    region.replaceChildren();
    var p = document.createElement('p');
    p.textContent = answer.text;
    region.appendChild(p);
    if (answer.lines && answer.lines.length) {
      var pre = document.createElement('pre');
      pre.className = 'envelope';
      pre.textContent = answer.lines.join('\\n');
      region.appendChild(pre);
    }
  }
  function check() {
    var mine = ++asked;
    fetch(form.getAttribute('data-address-check'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      body: new URLSearchParams(new FormData(form)),
    })
      .then(function (r) { return r.ok ? r.json() : undefined; })
      .then(function (answer) { if (answer && mine === asked) show(answer); })
      .catch(function () {});
  }
  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
})();
`;
