/*
 * EventFlow door logic, shared by the scanner and the ticket wallet; depends on no websocket.
 *
 * - Signed codes `EF2.<ticket>.<step>.<signature>`: verified with the event's Ed25519 public key
 *   from the manifest (WebCrypto). The door can check them, never make them (docs/door.md).
 * - Wallet passes' static codes `EFP.<ticket>.<signature>`: the same key signs `EFP.<ticket>` (and
 *   `~<transfers>` once handed on), no step; refused when the manifest says `passes_forbidden`.
 * - Legacy codes `EF1.<ticket>.<8 digits>`: TOTP (RFC 6238, HMAC-SHA1) with WebCrypto, as pyotp
 *   computes it; the manifest carries a secret only for tickets sold before signed codes.
 * - The offline verdict on a scanned code, in the server's words (admitted, stale_code, ...).
 * - A tiny IndexedDB key-value store (one object store per name).
 * Everything here works with the network gone.
 *
 * The code window is not written here: `rules` is the manifest (scanner) or the ticket JSON
 * (wallet), which carry the server's {step_seconds, digits, accepted_steps, stale_lookback_steps}
 * (eventflow/domain/codes.py), so a code gets the same verdict online and offline.
 */
(function () {
  "use strict";

  const LOOKBACK_BATCH = 120; // older codes are computed this many at a time, newest first

  function base32Decode(text) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const clean = text.toUpperCase().replace(/=+$/, "");
    let bits = 0;
    let value = 0;
    const out = [];
    for (const char of clean) {
      const index = alphabet.indexOf(char);
      if (index < 0) throw new Error("bad base32");
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }

  const keyCache = new Map();

  async function hmacKey(secret) {
    let key = keyCache.get(secret);
    if (!key) {
      key = await crypto.subtle.importKey("raw", base32Decode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
      keyCache.set(secret, key);
    }
    return key;
  }

  async function hotp(secret, counter, digits) {
    const message = new ArrayBuffer(8);
    const view = new DataView(message);
    view.setUint32(0, Math.floor(counter / 2 ** 32));
    view.setUint32(4, counter >>> 0);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), message));
    const offset = mac[mac.length - 1] & 0x0f;
    const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
    return String(binary % 10 ** digits).padStart(digits, "0");
  }

  function stepAt(rules, millis) {
    return Math.floor(millis / 1000 / rules.step_seconds);
  }

  /* The code to show at `millis`. */
  function codeAt(rules, secret, millis) {
    return hotp(secret, stepAt(rules, millis), rules.digits);
  }

  /* 'valid' within the accepted steps around `millis`, 'stale' for an older code within the
     look-back (a screenshot), else 'invalid': codes.code_age on the server. */
  async function codeAge(rules, secret, code, millis) {
    const step = stepAt(rules, millis);
    const near = await Promise.all(rules.accepted_steps.map((offset) => hotp(secret, step + offset, rules.digits)));
    if (near.includes(code)) return "valid";
    const lookback = rules.stale_lookback_steps || 0;
    for (let first = 1 - Math.min(...rules.accepted_steps); first <= lookback; first += LOOKBACK_BATCH) {
      const older = [];
      for (let back = first; back < first + LOOKBACK_BATCH && back <= lookback; back++) {
        older.push(hotp(secret, step - back, rules.digits));
      }
      if ((await Promise.all(older)).includes(code)) return "stale";
    }
    return "invalid";
  }

  function base64urlDecode(text) {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - text.length % 4) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  }

  const publicKeys = new Map();

  async function eventKey(publicKey) {
    let key = publicKeys.get(publicKey);
    if (!key) {
      key = await crypto.subtle.importKey("raw", base64urlDecode(publicKey), { name: "Ed25519" }, false, ["verify"]);
      publicKeys.set(publicKey, key);
    }
    return key;
  }

  /* Import the manifest's key and verify once, so the first scan at the door is not the one
     that pays for setting up WebCrypto (it must decide in under 50 ms). */
  async function prepare(manifest) {
    if (!manifest || !manifest.public_key) return;
    try {
      await crypto.subtle.verify({ name: "Ed25519" }, await eventKey(manifest.public_key), new Uint8Array(64),
                                 new Uint8Array(1));
    } catch (error) { /* reported at the first scan */ }
  }

  /* 'valid' / 'stale' as the step sits around `millis` (codes.step_age), once the event's key
     vouches for the signature; else 'invalid'. The cheap step check comes first. */
  async function signedAge(rules, code, millis, transfers) {
    const offset = code.step - stepAt(rules, millis);
    const accepted = rules.accepted_steps;
    let age = "invalid";
    if (offset >= Math.min(...accepted) && offset <= Math.max(...accepted)) age = "valid";
    else if (offset < Math.min(...accepted) && offset >= -(rules.stale_lookback_steps || 0)) age = "stale";
    if (age === "invalid" || !rules.public_key) return "invalid";
    // A ticket handed on signs its transfer count too (domain/door_keys.signed_message): codes shown
    // before the transfer stop verifying once this manifest knows the new count.
    const message = new TextEncoder().encode(`EF2.${code.ticketId}.${code.step}` + (transfers ? `~${transfers}` : ""));
    try {
      const good = await crypto.subtle.verify({ name: "Ed25519" }, await eventKey(rules.public_key), code.signature, message);
      return good ? age : "invalid";
    } catch (error) {
      return "invalid"; // a key or signature this browser cannot read
    }
  }

  /* A wallet pass (domain/door_keys.pass_message): the event's key vouches for the ticket and its
     transfer count; a pass cannot rotate, so there is no step to judge. */
  async function passValid(rules, code, transfers) {
    if (!rules.public_key || rules.passes_forbidden) return false;
    const message = new TextEncoder().encode(`EFP.${code.ticketId}` + (transfers ? `~${transfers}` : ""));
    try {
      return await crypto.subtle.verify({ name: "Ed25519" }, await eventKey(rules.public_key), code.signature, message);
    } catch (error) {
      return false;
    }
  }

  /* The offline verdict on a parsed `code` (parsePayload) shown for manifest `ticket` (undefined:
     not in the manifest), in the words the server's /checkin/scan answers with. `rules` is the
     manifest. `admittedBefore`: the device knows it is in. */
  async function verdict(rules, ticket, code, millis, admittedBefore) {
    if (!ticket) return "unknown";
    if (rules && rules.event_status === "cancelled") return "event_cancelled"; // every ticket, void or not
    if (ticket.status === "void") return "void";
    if (ticket.status === "disputed") return "disputed"; // charged back; the organizer refuses such tickets
    if (admittedBefore) return "already_checked_in";
    let age = "invalid";
    if (code.kind === "EFP") {
      age = (await passValid(rules, code, ticket.transfers || 0)) ? "valid" : "invalid";
    } else if (code.kind === "EF2") {
      age = await signedAge(rules, code, millis, ticket.transfers || 0);
    } else if (ticket.ef1_secret && !(rules.closes_at && millis > Date.parse(rules.closes_at))) {
      age = await codeAge(rules, ticket.ef1_secret, code.code, millis);
    }
    return { valid: "admitted", stale: "stale_code" }[age] || "invalid";
  }

  /* Whether an offline scan at `millis` falls in the manifest's door window (the server refuses
     uploads outside it, so the device does too). */
  function doorOpen(manifest, millis) {
    if (!manifest || !manifest.opens_at) return true;
    return Date.parse(manifest.opens_at) <= millis && millis <= Date.parse(manifest.closes_at);
  }

  /* A scanned text -> {kind: "EF2", ticketId, step, signature}, {kind: "EFP", ticketId, signature} (a wallet
     pass) or {kind: "EF1", ticketId, code};
     null when it is not one of our codes (codes.parse_payload on the server). Without rules (no
     manifest yet) any run of digits passes, so the scanner can say "unknown". */
  function parsePayload(text, rules) {
    const clean = String(text || "").trim();
    if (clean.length > 200 || !/^[\x21-\x7e]*$/.test(clean)) return null; // printable ASCII only
    const parts = clean.split(".");
    const ticketId = /^[A-Za-z0-9_-]{1,64}$/;
    if (parts.length === 4 && parts[0] === "EF2" && ticketId.test(parts[1]) && /^\d{1,12}$/.test(parts[2])
        && /^[A-Za-z0-9_-]{86}$/.test(parts[3])) {
      return { kind: "EF2", ticketId: parts[1], step: Number(parts[2]), signature: base64urlDecode(parts[3]) };
    }
    if (parts.length === 3 && parts[0] === "EFP" && ticketId.test(parts[1]) && /^[A-Za-z0-9_-]{86}$/.test(parts[2])) {
      return { kind: "EFP", ticketId: parts[1], signature: base64urlDecode(parts[2]) };
    }
    const digits = rules && rules.digits ? new RegExp(`^\\d{${rules.digits}}$`) : /^\d+$/;
    if (parts.length !== 3 || parts[0] !== "EF1" || !ticketId.test(parts[1]) || !digits.test(parts[2])) return null;
    return { kind: "EF1", ticketId: parts[1], code: parts[2] };
  }

  /* IndexedDB as a few named key-value stores. */
  function openStore(name, stores) {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => stores.forEach((store) => request.result.createObjectStore(store));
      request.onsuccess = () => resolve(new KeyValue(request.result));
      request.onerror = () => reject(request.error);
    });
  }

  class KeyValue {
    constructor(db) { this.db = db; }
    _run(store, mode, action) {
      return new Promise((resolve, reject) => {
        const transaction = this.db.transaction(store, mode);
        const request = action(transaction.objectStore(store));
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = () => reject(transaction.error);
      });
    }
    get(store, key) { return this._run(store, "readonly", (s) => s.get(key)); }
    put(store, key, value) { return this._run(store, "readwrite", (s) => s.put(value, key)); }
    delete(store, key) { return this._run(store, "readwrite", (s) => s.delete(key)); }
    all(store) { return this._run(store, "readonly", (s) => s.getAll()); }
    keys(store) { return this._run(store, "readonly", (s) => s.getAllKeys()); }
  }

  function randomId(prefix, size = 9) {
    const bytes = crypto.getRandomValues(new Uint8Array(size));
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  window.EventFlowDoor = { hotp, stepAt, codeAt, codeAge, signedAge, prepare, verdict, doorOpen, parsePayload, openStore, randomId };
})();
