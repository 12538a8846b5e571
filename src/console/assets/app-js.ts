/**
 * The console's one script, served from /console/assets/app.js (CSP: script-src 'self').
 * Plain ES2020 with no build step; kept as text here so Node and Workers serve it alike.
 */
export const APP_JS = String.raw`// Signet console: small progressive enhancements. Every page works without this file,
// except what needs JavaScript by nature: passkeys and key pairs made in the browser.
const $ = (selector, root) => (root || document).querySelector(selector);
const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
const csrf = () => ($('meta[name="csrf-token"]') || { content: "" }).content;

function toB64u(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64u(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf() },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.error) || "The server answered " + response.status + ".");
  return data;
}

function focusFirst(root) {
  const target = $("[data-autofocus]", root);
  if (target) target.focus();
}

function replaceUrl() {
  // the one-time pages (new private key, invitation link) must not come back on reload
  const main = $("main[data-replace-url]");
  if (main) history.replaceState(null, "", main.getAttribute("data-replace-url"));
}

function forgetSecretsOnLeave() {
  // a page restored from the back-forward cache must not show the private key again
  window.addEventListener("pagehide", () => {
    for (const element of $$("[data-secret]")) {
      if (element.tagName === "A") element.removeAttribute("href");
      else element.textContent = "(no longer shown)";
    }
  });
}

function copyButtons(root) {
  for (const button of $$("[data-copy]", root)) {
    button.addEventListener("click", async () => {
      const target = $(button.getAttribute("data-copy"));
      if (!target) return;
      const status = $("#copy-status");
      const label = button.getAttribute("data-copy-label") || "text";
      const original = button.innerHTML;
      try {
        await navigator.clipboard.writeText(target.textContent || "");
        button.textContent = "Copied";
        if (status) status.textContent = "Copied the " + label + " to the clipboard.";
        setTimeout(() => {
          button.innerHTML = original;
        }, 2000);
      } catch {
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (status) status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected " + label + ".";
      }
    });
  }
}

// WebAuthn: JSON from the server <-> the browser's objects (what @simplewebauthn/browser does)
const withIds = (list) => (list || []).map((item) => Object.assign({}, item, { id: fromB64u(item.id) }));

function creationOptions(json) {
  return Object.assign({}, json, {
    challenge: fromB64u(json.challenge),
    user: Object.assign({}, json.user, { id: fromB64u(json.user.id) }),
    excludeCredentials: withIds(json.excludeCredentials),
  });
}

function requestOptions(json) {
  return Object.assign({}, json, {
    challenge: fromB64u(json.challenge),
    allowCredentials: withIds(json.allowCredentials),
  });
}

function credentialJson(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toB64u(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64u(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = toB64u(r.authenticatorData);
    response.signature = toB64u(r.signature);
    if (r.userHandle) response.userHandle = toB64u(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toB64u(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  };
}

const passkeysSupported = () => typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

function passkeyMessage(error) {
  if (error && error.name === "NotAllowedError") return "The passkey prompt was closed or timed out. Try again.";
  if (error && error.name === "InvalidStateError") return "This device already holds a passkey for your account.";
  return (error && error.message) || "Something went wrong. Try again.";
}

function passkeyButton(wrapSelector, run) {
  const wrap = $(wrapSelector);
  if (!wrap || !passkeysSupported()) return;
  wrap.hidden = false;
  const unsupported = $("[data-passkey-unsupported]");
  if (unsupported) unsupported.hidden = true;
  const button = $("button", wrap);
  const out = $("#passkey-error");
  button.addEventListener("click", async () => {
    out.textContent = "";
    button.disabled = true;
    try {
      const result = await run(button);
      location.assign(result.redirect);
    } catch (error) {
      out.textContent = passkeyMessage(error);
      button.disabled = false;
    }
  });
}

function passkeys() {
  passkeyButton("[data-passkey-signin]", async (button) => {
    const options = await postJson(button.dataset.optionsUrl, {});
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return postJson(button.dataset.verifyUrl, {
      response: credentialJson(credential),
      next: button.dataset.next || undefined,
    });
  });
  passkeyButton("[data-passkey-register]", async (button) => {
    const options = await postJson(button.dataset.optionsUrl, {});
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    const name = ($("#passkey-name") || { value: "" }).value;
    return postJson(button.dataset.verifyUrl, { name, response: credentialJson(credential) });
  });
}

// Key pairs made in the browser: the private key never leaves this page; the file is the
// same one the server makes (DESIGN section 2), one-line credential and checksum included.
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text) {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function crockford7(value) {
  let out = "";
  let rest = value;
  for (let i = 0; i < 7; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function privatePem(der) {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const label = "PRIVATE KEY"; // PKCS#8, as the server's credentials files
  return "-----BEGIN " + label + "-----\n" + btoa(binary).replace(/.{1,64}/g, "$&\n") + "-----END " + label + "-----\n";
}

async function ed25519Available() {
  try {
    await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

function showErrors(form, errors) {
  for (const element of $$(".field-error", form)) element.textContent = "";
  for (const element of $$("[aria-invalid]", form)) element.removeAttribute("aria-invalid");
  const box = $("#browser-errors");
  box.textContent = "";
  const summary = document.createElement("div");
  summary.className = "error-summary";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  const names = Object.keys(errors);
  const heading = document.createElement("h2");
  heading.textContent = names.length === 1 ? "There is a problem" : "There are " + names.length + " problems";
  const list = document.createElement("ul");
  for (const name of names) {
    const item = document.createElement("li");
    const field = name === "form" ? null : form.querySelector("#" + CSS.escape(name));
    if (field) {
      const link = document.createElement("a");
      link.href = "#" + name;
      link.textContent = errors[name];
      item.appendChild(link);
      field.setAttribute("aria-invalid", "true");
      const message = form.querySelector("#" + CSS.escape(name) + "-error");
      if (message) message.textContent = errors[name];
    } else {
      item.textContent = errors[name];
    }
    list.appendChild(item);
  }
  summary.append(heading, list);
  box.appendChild(summary);
  summary.focus();
}

function fillReveal(root, credentials) {
  $('[data-secret="credential"]', root).textContent = credentials.credential;
  $('[data-secret="pem"]', root).textContent = credentials.private_key;
  $('[data-secret="download"]', root).href =
    "data:application/json;charset=utf-8," + encodeURIComponent(JSON.stringify(credentials, null, 2) + "\n");
}

function createKeyForm() {
  const form = $("#create-key");
  if (!form) return;
  const radios = $$('input[name="generation"]', form);
  const publicKeyField = $("[data-public-key-field]");
  const sync = () => {
    const chosen = radios.find((radio) => radio.checked);
    if (publicKeyField) publicKeyField.hidden = !chosen || chosen.value !== "upload";
  };
  for (const radio of radios) radio.addEventListener("change", sync);
  sync();
  // the date matters only for "On a date…"
  const expires = $("#expires", form);
  const dateField = $("[data-expiry-date]", form);
  const syncDate = () => {
    if (dateField) dateField.hidden = expires.value !== "date" && !$("#expires_on-error", form).textContent;
  };
  if (expires) {
    expires.addEventListener("change", syncDate);
    syncDate();
  }
  const browser = $("#generation-browser");
  ed25519Available().then((ok) => {
    if (!ok) {
      $("[data-browser-hint]").textContent =
        "This browser cannot make Ed25519 keys with Web Crypto. Choose another option.";
      return;
    }
    browser.disabled = false;
    $("[data-browser-choice]").classList.remove("unavailable");
  });
  form.addEventListener("submit", async (event) => {
    if (!browser.checked || browser.disabled) return;
    event.preventDefault();
    const submit = $("#create-key-submit");
    submit.disabled = true;
    try {
      const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
      const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
      const data = new FormData(form);
      data.set("public_key", JSON.stringify({ kty: "OKP", crv: "Ed25519", x: jwk.x }));
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        showErrors(form, body.errors || { form: body.error || "The key could not be created." });
        submit.disabled = false;
        return;
      }
      const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
      if (pkcs8.length !== 48) throw new Error("This browser exported the private key in an unexpected format.");
      const line = "signet_sk_" + body.key.id.slice(4) + toB64u(pkcs8.slice(16));
      const credentials = {
        type: "signet_service_key",
        key_id: body.key.id,
        account_id: body.key.account_id,
        audience: body.audience,
        scopes: body.key.scopes,
        private_key: privatePem(pkcs8),
        credential: line + crockford7(crc32(line)),
      };
      const main = $("#main");
      main.innerHTML = body.html;
      fillReveal(main, credentials);
      history.replaceState(null, "", body.url);
      document.title = "Key created · Signet";
      copyButtons(main);
      focusFirst(main);
    } catch (error) {
      showErrors(form, { form: (error && error.message) || "The key could not be created." });
      submit.disabled = false;
    }
  });
}

replaceUrl();
forgetSecretsOnLeave();
copyButtons(document);
passkeys();
createKeyForm();
focusFirst(document);
`;
