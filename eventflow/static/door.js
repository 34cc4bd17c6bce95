/*
 * EventFlow door logic, shared by the scanner and the ticket wallet; depends on no websocket.
 *
 * - TOTP (RFC 6238, HMAC-SHA1) with WebCrypto, as pyotp computes it.
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

  /* The offline verdict on `code` shown for manifest `ticket` (undefined: not in the manifest), in
     the words the server's /checkin/scan answers with. `admittedBefore`: the device knows it is in. */
  async function verdict(rules, ticket, code, millis, admittedBefore) {
    if (!ticket) return "unknown";
    if (ticket.status === "void") return "void";
    if (admittedBefore) return "already_checked_in";
    const age = await codeAge(rules, ticket.secret, code, millis);
    return { valid: "admitted", stale: "stale_code" }[age] || "invalid";
  }

  /* `EF1.<ticket id>.<code>` -> {ticketId, code}; null when it is not one of our codes. Without
     rules (no manifest yet) any run of digits passes, so the scanner can say "unknown". */
  function parsePayload(text, rules) {
    const parts = String(text || "").trim().split(".");
    const digits = rules && rules.digits ? new RegExp(`^\\d{${rules.digits}}$`) : /^\d+$/;
    if (parts.length !== 3 || parts[0] !== "EF1" || !parts[1] || !digits.test(parts[2])) return null;
    return { ticketId: parts[1], code: parts[2] };
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

  window.EventFlowDoor = { hotp, stepAt, codeAt, codeAge, verdict, parsePayload, openStore, randomId };
})();
