/*
 * EventFlow door logic, shared by the scanner and the ticket wallet; depends on no websocket.
 *
 * - TOTP (RFC 6238, HMAC-SHA1, 30 s step, 8 digits) with WebCrypto, as pyotp computes it.
 * - A tiny IndexedDB key-value store (one object store per name).
 * Everything here works with the network gone.
 */
(function () {
  "use strict";

  const STEP_SECONDS = 30;
  const DIGITS = 8;

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

  async function hotp(secret, counter) {
    const message = new ArrayBuffer(8);
    const view = new DataView(message);
    view.setUint32(0, Math.floor(counter / 2 ** 32));
    view.setUint32(4, counter >>> 0);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), message));
    const offset = mac[mac.length - 1] & 0x0f;
    const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
    return String(binary % 10 ** DIGITS).padStart(DIGITS, "0");
  }

  function stepAt(millis) {
    return Math.floor(millis / 1000 / STEP_SECONDS);
  }

  /* 'valid' for steps -1..+1 around `millis`, 'stale' for up to `lookback` steps older, else 'invalid'. */
  async function codeAge(secret, code, millis, lookback) {
    const step = stepAt(millis);
    const near = await Promise.all([-1, 0, 1].map((offset) => hotp(secret, step + offset)));
    if (near.includes(code)) return "valid";
    const older = [];
    for (let back = 2; back <= lookback; back++) older.push(hotp(secret, step - back));
    return (await Promise.all(older)).includes(code) ? "stale" : "invalid";
  }

  function parsePayload(text) {
    const parts = String(text || "").trim().split(".");
    if (parts.length !== 3 || parts[0] !== "EF1" || !parts[1] || !/^\d{8}$/.test(parts[2])) return null;
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

  window.EventFlowDoor = { STEP_SECONDS, DIGITS, hotp, stepAt, codeAge, parsePayload, openStore, randomId };
})();
