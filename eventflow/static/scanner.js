/*
 * EventFlow door scanner: camera (ZXing), keyboard-wedge / manual entry, name search.
 *
 * Online, every scan goes to the server (authoritative across devices). When the network is gone
 * it switches by itself to validating against the cached manifest, queues admissions (with a
 * nonce) in IndexedDB, and uploads them when the network returns. It needs no websocket, so it
 * runs the same inside the NiceGUI page and in the service worker's offline copy of the page.
 */
(function () {
  "use strict";
  const Door = window.EventFlowDoor;
  const MANIFEST_REFRESH_MS = 60000;
  const SYNC_EVERY_MS = 5000;
  const CAMERA_GONE_MS = 3000; // a code the camera has not seen for this long has left its view
  const RESULT_SHOWN_MS = 1600;
  const ONLINE_TIMEOUT_MS = 2500;
  // While offline, ask the server this often whether it answers again: "Online" must come back
  // within 5 s of the server answering (a stopped server fails at once; a hung one after PROBE_TIMEOUT_MS).
  const PROBE_EVERY_MS = 1500;
  const PROBE_TIMEOUT_MS = 2000;

  const MESSAGES = {
    admitted: "Admitted",
    already_checked_in: "Already checked in",
    invalid: "Not a valid ticket",
    stale_code: "Old code: screenshot?",
    wrong_event: "Ticket for another event",
    void: "Void ticket (refunded or voided)",
    event_cancelled: "Event cancelled: no entry",
    disputed: "Payment disputed: refused",
    unknown: "Ticket not in this device's list",
  };
  // The words on screen in the door staff's language: {English: translation} handed over by the page
  // (pages/scanner.py, "_locale" for dates) and kept on the device for the offline copy of the page.
  // A word missing there stays English.
  let WORDS = {};
  const t = (text) => WORDS[text] || text;
  const fill = (text, values) => t(text).replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
  const h = (text) => t(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  class Scanner {
    constructor(root, options) {
      this.root = root;
      this.eventId = options.eventId;
      this.api = (options.apiBase || "") + "/api/v1/events/" + encodeURIComponent(this.eventId);
      this.online = navigator.onLine;
      this.revoked = false;
      this.manifest = null;
      this.tickets = new Map();
      this.lastCode = { text: "", at: 0 }; // the last code handled, from any source (for debugging)
      this.inView = new Map(); // code -> when the camera last saw it
      this.stats = { lastValidationMs: null };
      this.apiBase = options.apiBase || "";
      this.words = options.words ? { ...options.words } : null; // a plain copy: the page hands a Vue proxy
    }

    async start() {
      WORDS = this.words || {};
      this.buildDom();
      this.kv = await Door.openStore("eventflow-door", ["meta", "manifests", "queue", "admitted"]);
      try { // words only: never in the way of scanning
        if (this.words) await this.kv.put("meta", "words", this.words);
        else { // the offline copy of the page: the words the page last gave this device
          const kept = await this.kv.get("meta", "words");
          if (kept && Object.keys(kept).length) { WORDS = kept; this.buildDom(); }
        }
      } catch (error) { /* English it is */ }
      this.token = await this.takeToken();
      this.deviceId = (await this.kv.get("meta", "device")) || Door.randomId("device-", 3);
      await this.kv.put("meta", "device", this.deviceId);
      if (!this.token) {
        this.showBanner(t("No staff access on this device. Open the staff link your organizer sent you."), "error");
        return;
      }
      const cached = await this.kv.get("manifests", this.eventId);
      if (cached) this.useManifest(cached);
      window.addEventListener("online", () => this.setOnline(true));
      window.addEventListener("offline", () => this.setOnline(false));
      this.setOnline(navigator.onLine);
      await this.refreshManifest();
      this.timers = [
        setInterval(() => this.refreshManifest(), MANIFEST_REFRESH_MS),
        setInterval(() => this.syncQueue(), SYNC_EVERY_MS),
        setInterval(() => this.probe(), PROBE_EVERY_MS),
      ];
      this.syncQueue();
      this.startCamera();
    }

    async takeToken() {
      const match = location.hash.match(/staff=([\w-]+)/);
      if (match) {
        await this.kv.put("meta", "token:" + this.eventId, match[1]);
        history.replaceState(null, "", location.pathname + location.search); // keep the secret off screen
        return match[1];
      }
      return this.kv.get("meta", "token:" + this.eventId);
    }

    // ------------------------------------------------------------------ DOM
    buildDom() {
      this.root.innerHTML = `
        <div class="ef-scan">
          <div class="ef-bar">
            <div class="ef-heading"><h1 class="ef-title" data-testid="event-title">${h("Door scanner")}</h1>
              <div class="ef-when" data-testid="event-when"></div></div>
            <div class="ef-device"><span class="ef-net" data-testid="network" role="status"></span>
              <span class="ef-label" data-testid="device-label"></span></div></div>
          <div class="ef-banner" data-testid="banner" role="alert" hidden></div>
          <video class="ef-video" muted playsinline data-testid="camera" aria-label="${h("Camera view")}" hidden></video>
          <div class="ef-no-camera" data-testid="no-camera">${h("Starting the camera…")}</div>
          <label class="ef-field-label" data-testid="camera-picker-label" hidden>${h("Camera")}
            <select class="ef-cameras" data-testid="camera-picker"></select></label>
          <form class="ef-manual"><label class="ef-field-label">${h("Ticket code")}
            <input data-testid="manual-code" autocomplete="off" enterkeyhint="go"
            placeholder="${h("Scan or type a code, press Enter")}"></label></form>
          <label class="ef-field-label">${h("Find a guest")}
            <input class="ef-search" data-testid="search" type="search" autocomplete="off"
            placeholder="${h("Name, order or ticket")}"></label>
          <div class="ef-results" data-testid="search-results"></div>
          <div class="ef-confirm" data-testid="confirm" role="dialog" aria-labelledby="ef-confirm-name" hidden>
            <div class="ef-confirm-hint">${h("Check their ID, then admit:")}</div>
            <div class="ef-confirm-name" id="ef-confirm-name" data-testid="confirm-name"></div>
            <div class="ef-confirm-tier" data-testid="confirm-tier"></div>
            <div class="ef-confirm-buttons"><button type="button" class="ef-admit" data-testid="confirm-admit">${h("Admit")}</button>
              <button type="button" class="ef-cancel" data-testid="confirm-cancel">${h("Cancel")}</button></div></div>
          <h2 class="ef-sr-only">${h("Status")}</h2>
          <div class="ef-status" aria-live="polite"><span data-testid="counts"></span> <span data-testid="queue"></span></div>
          <div class="ef-result" data-testid="result" role="alert" hidden><div class="ef-result-title"></div>
            <div class="ef-result-detail"></div></div>
        </div>`;
      const q = (selector) => this.root.querySelector(selector);
      this.el = {
        net: q(".ef-net"), banner: q(".ef-banner"), video: q(".ef-video"), cameras: q(".ef-cameras"),
        manual: q(".ef-manual"), code: q(".ef-manual input"), search: q(".ef-search"), results: q(".ef-results"),
        counts: q("[data-testid=counts]"), queue: q("[data-testid=queue]"), result: q(".ef-result"),
        title: q("[data-testid=event-title]"), when: q("[data-testid=event-when]"), label: q("[data-testid=device-label]"),
        noCamera: q("[data-testid=no-camera]"), picker: q("[data-testid=camera-picker-label]"),
        confirm: q("[data-testid=confirm]"),
      };
      q("[data-testid=confirm-admit]").addEventListener("click", () => this.admitConfirmed());
      q("[data-testid=confirm-cancel]").addEventListener("click", () => this.closeConfirm());
      this.el.manual.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = this.el.code.value;
        this.el.code.value = "";
        this.handle(text);
      });
      this.el.search.addEventListener("input", () => this.search(this.el.search.value));
      this.el.result.addEventListener("click", () => this.hideResult());
    }

    setOnline(online) {
      const changed = online !== this.online || !this.el.net.textContent;
      this.online = online;
      this.el.net.textContent = online ? t("● Online") : t("● Offline: checking locally");
      this.el.net.className = "ef-net " + (online ? "ef-online" : "ef-offline");
      if (online && changed) this.onlineSince = Date.now();
      if (online) this.syncQueue();
    }

    /* Offline, ask the server whether it answers again (the health check needs no staff token and
       reads nothing); "Online" as soon as it does, then the manifest and the queue catch up. */
    async probe() {
      if (this.online || this.probing || this.revoked) return;
      this.probing = true;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
      try {
        const response = await fetch(this.apiBase + "/api/v1/health", { cache: "no-store", signal: controller.signal });
        if (response.ok) {
          this.setOnline(true);
          this.refreshManifest();
        }
      } catch (error) { /* still offline */ } finally {
        clearTimeout(timer);
        this.probing = false;
      }
    }

    /* The event's title, date (in its own timezone) and this device's label, from the manifest. */
    showEvent(manifest) {
      this.el.title.textContent = manifest.title || t("Door scanner");
      this.pageTitle = this.pageTitle || document.title; // "Door scanner (offline) · EventFlow" in the offline copy
      document.title = (manifest.title ? manifest.title + " · " : "") + this.pageTitle;
      if (manifest.starts_at) {
        const options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
                          timeZone: manifest.timezone || undefined };
        const starts = new Date(manifest.starts_at);
        if (starts.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
        let when;
        try { when = new Intl.DateTimeFormat(WORDS._locale || "en-GB", options).format(starts); } catch (error) {
          when = starts.toLocaleString();
        }
        this.el.when.textContent = when + (manifest.timezone ? ` (${manifest.timezone})` : "");
      }
      this.el.label.textContent = manifest.device_label ? fill("Scanning as {label}", { label: manifest.device_label }) : "";
    }

    /* "Front door" for a check-in recorded as "Front door · device-1a2b3c" (the staff link's label and
       a device's random id); "this device" for our own. */
    deviceWords(recordedBy) {
      if (!recordedBy) return "";
      if (recordedBy === "this device" || recordedBy.endsWith(" · " + this.deviceId)) return t("this device");
      return recordedBy.split(" · ")[0];
    }

    showBanner(text, kind) {
      this.el.banner.hidden = false;
      this.el.banner.textContent = text;
      this.el.banner.className = "ef-banner ef-" + kind;
    }

    async updateStatus() {
      const queued = (await this.kv.keys("queue")).length;
      const admitted = await this.kv.keys("admitted");
      const inside = new Set([...this.tickets.values()].filter((t) => t.checked_in_at).map((t) => t.id));
      admitted.forEach((key) => key.startsWith(this.eventId + ":") && inside.add(key.split(":")[1]));
      this.el.counts.textContent = this.manifest
        ? fill("{inside} / {total} checked in", { inside: inside.size, total: this.tickets.size }) : "";
      this.el.queue.textContent = queued
        ? fill(queued === 1 ? "· {count} scan waiting to sync" : "· {count} scans waiting to sync", { count: queued }) : "";
      this.el.queue.dataset.count = String(queued);
    }

    // ------------------------------------------------------------------ manifest and sync
    useManifest(manifest) {
      this.manifest = manifest;
      this.showEvent(manifest);
      Door.prepare(manifest);
      const tiers = manifest.tiers || [];
      this.tickets = new Map(manifest.tickets.map((ticket) =>
        [ticket.id, { ...ticket, tier: typeof ticket.tier === "number" ? tiers[ticket.tier] : ticket.tier }]));
      this.updateStatus();
    }

    async request(method, path, body) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), ONLINE_TIMEOUT_MS);
      try {
        const response = await fetch(this.api + path, {
          method, signal: controller.signal, cache: "no-store",
          headers: { "Authorization": "Bearer " + this.token, "Content-Type": "application/json" },
          body: body ? JSON.stringify(body) : undefined,
        });
        if (response.status === 401 || response.status === 403) {
          this.revoked = true;
          this.showBanner(t("This device's staff access was revoked. Ask the organizer for a new link."), "error");
          throw new Error("revoked");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        if (!this.online) this.setOnline(true);
        return response.json();
      } catch (error) {
        if (error.message !== "revoked" && !error.message.startsWith("HTTP") && this.online) this.setOnline(false);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }

    async refreshManifest() {
      if (this.revoked) return;
      try {
        const manifest = await this.request("GET", "/checkin/manifest");
        await this.kv.put("manifests", this.eventId, manifest);
        this.useManifest(manifest);
        this.el.banner.hidden = true;
        if (manifest.event_status === "cancelled") this.showBanner(t("This event is cancelled: every ticket is refused."), "error");
      } catch (error) { /* offline: keep the cached manifest */ }
    }

    async syncQueue() {
      if (!this.online || this.revoked || this.syncing) return;
      const scans = (await this.kv.all("queue")).filter((scan) => scan.event_id === this.eventId);
      if (!scans.length) return this.updateStatus();
      this.syncing = true;
      try {
        const answer = await this.request("POST", "/checkin/sync", {
          device_id: this.deviceId,
          scans: scans.map(({ ticket_id, code, scanned_at, nonce, manifest_stamp, id_checked }) =>
            ({ ticket_id, code, scanned_at, nonce, manifest_stamp, id_checked: !!id_checked })),
        });
        for (const result of answer.results) await this.kv.delete("queue", result.nonce);
        this.lastSync = answer.results;
      } catch (error) { /* stays queued; the next tick retries */ } finally {
        this.syncing = false;
        this.updateStatus();
      }
    }

    // ------------------------------------------------------------------ scanning
    /* A scanned or typed code; or, with `idChecked` (a ticket id), a guest staff found by name and
       whose ID they checked: admitted without a code, since door devices cannot make codes. */
    async handle(text, idChecked) {
      text = String(text || "").trim();
      if (!text && !idChecked) return;
      const now = Date.now();
      this.lastCode = { text: text || "id:" + idChecked, at: now };
      if (this.online && !this.revoked) {
        try {
          const answer = idChecked
            ? await this.request("POST", "/checkin/admit", { ticket_id: idChecked, device_id: this.deviceId })
            : await this.request("POST", "/checkin/scan", { code: text, device_id: this.deviceId });
          if ((answer.result === "admitted" || answer.result === "already_checked_in") && answer.ticket) {
            // Remember it on the device too, so an offline reload still knows this person is in.
            const known = this.tickets.get(answer.ticket.ticket_id);
            if (known) known.checked_in_at = answer.ticket.checked_in_at;
            await this.kv.put("admitted", this.eventId + ":" + answer.ticket.ticket_id,
                              { scanned_at: answer.ticket.checked_in_at, by: answer.ticket.checked_in_by });
            this.updateStatus();
          }
          const seen = answer.ticket && answer.transferred_at ? { ...answer.ticket, transferred_at: answer.transferred_at }
            : answer.ticket; // handed on: the door says when (domain/transfers.py)
          return this.showResult(answer.result, seen, false,
                                 answer.disputed ? t("Admitted · payment disputed") : undefined);
        } catch (error) {
          if (this.revoked) return this.showResult("invalid", null, false, t("Access revoked"));
          /* network failed: decide locally below */
        }
      }
      const outcome = await this.validateOffline(text, now, idChecked);
      this.showResult(outcome.result, outcome.ticket, true, outcome.override);
    }

    /* Local decision against the cached manifest (its public key, code window and door window);
       admitted scans are queued for upload with the manifest's stamp. */
    async validateOffline(text, now, idChecked) {
      const started = performance.now();
      try {
        const parsed = idChecked ? null : Door.parsePayload(text, this.manifest);
        if ((!parsed && !idChecked) || !this.manifest) return { result: parsed || idChecked ? "unknown" : "invalid" };
        const ticket = this.tickets.get(idChecked || parsed.ticketId);
        if (!ticket) return { result: "unknown" };
        const shown = { ticket_id: ticket.id, holder: ticket.holder, tier: ticket.tier, transferred_at: ticket.transferred_at };
        if (!Door.doorOpen(this.manifest, now)) return { result: "invalid", ticket: shown, override: t("Outside door hours") };
        const local = await this.kv.get("admitted", this.eventId + ":" + ticket.id);
        const before = !!(ticket.checked_in_at || local);
        const result = idChecked
          ? (this.manifest.event_status === "cancelled" ? "event_cancelled"
            : ticket.status === "void" ? "void" : before ? "already_checked_in" : "admitted")
          : await Door.verdict(this.manifest, ticket, parsed, now, before);
        if (result === "already_checked_in") {
          const by = local ? (local.by || "this device") : null; // shown through deviceWords
          return { result, ticket: { ...shown, checked_in_at: ticket.checked_in_at || local.scanned_at, checked_in_by: by } };
        }
        if (result !== "admitted") return { result, ticket: shown };
        const scan = { event_id: this.eventId, ticket_id: ticket.id, code: idChecked ? "" : text, id_checked: !!idChecked,
                       scanned_at: new Date(now).toISOString(), nonce: Door.randomId("scan_"),
                       manifest_stamp: this.manifest.stamp };
        await this.kv.put("queue", scan.nonce, scan);
        await this.kv.put("admitted", this.eventId + ":" + ticket.id, scan);
        this.updateStatus();
        return { result: "admitted", ticket: shown };
      } finally {
        this.stats.lastValidationMs = performance.now() - started;
        this.root.dataset.lastValidationMs = this.stats.lastValidationMs.toFixed(2);
      }
    }

    /* "transferred 10 min ago": a ticket handed on shortly before the door is worth a second look. */
    transferredWords(at) {
      const minutes = Math.max(0, Math.round((Date.now() - Date.parse(at)) / 60000));
      if (Date.now() - Date.parse(at) < 60000) return fill("transferred just now", {});  /* not "0 min ago" */
      if (minutes < 120) return fill("transferred {minutes} min ago", { minutes });
      return fill("transferred {time}", { time: new Date(at).toLocaleString(WORDS._locale || undefined) });
    }

    showResult(result, ticket, offline, override) {
      const good = result === "admitted";
      const box = this.el.result;
      box.hidden = false;
      box.className = "ef-result " + (good ? "ef-good" : "ef-bad");
      box.dataset.result = result;
      box.dataset.offline = String(offline);
      box.querySelector(".ef-result-title").textContent = override || (MESSAGES[result] ? t(MESSAGES[result]) : result);
      const parts = [];
      if (ticket && ticket.holder) parts.push(ticket.holder + (ticket.tier ? " · " + ticket.tier : ""));
      if (result === "already_checked_in" && ticket && ticket.checked_in_at) {
        const when = new Date(ticket.checked_in_at).toLocaleTimeString();
        const by = this.deviceWords(ticket.checked_in_by);
        parts.push(by ? fill("at {time} by {device}", { time: when, device: by }) : fill("at {time}", { time: when }));
      }
      if (ticket && ticket.transferred_at) parts.push(this.transferredWords(ticket.transferred_at));
      if (offline) parts.push(t("(checked offline)"));
      box.querySelector(".ef-result-detail").textContent = parts.join(" — ");
      this.feedback(good);
      clearTimeout(this.resultTimer);
      this.resultTimer = setTimeout(() => this.hideResult(), RESULT_SHOWN_MS); // ready for the next person
      this.el.code.focus();
    }

    hideResult() {
      this.el.result.hidden = true;
    }

    feedback(good) {
      try {
        if (navigator.vibrate) navigator.vibrate(good ? 80 : [60, 60, 60]);
        const audio = this.audio || (this.audio = new (window.AudioContext || window.webkitAudioContext)());
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = good ? 880 : 220;
        gain.gain.value = 0.15;
        tone.connect(gain).connect(audio.destination);
        tone.start();
        tone.stop(audio.currentTime + (good ? 0.12 : 0.35));
      } catch (error) { /* no sound on this device */ }
    }

    search(text) {
      const query = text.trim().toLowerCase();
      this.el.results.innerHTML = "";
      if (query.length < 2) return;
      const matches = [...this.tickets.values()]
        .filter((t) => t.holder.toLowerCase().includes(query) || t.id.toLowerCase().includes(query)
                       || (t.order || "").toLowerCase().includes(query))
        .slice(0, 8);
      for (const ticket of matches) {
        const row = document.createElement("button");
        row.type = "button";
        row.className = "ef-match";
        row.textContent = `${ticket.holder} · ${ticket.tier}` + (ticket.checked_in_at ? t(" (in)") : "");
        // A guest without their phone: staff check the ID, confirm who it is, then admit (no code needed).
        row.addEventListener("click", () => this.openConfirm(ticket));
        this.el.results.appendChild(row);
      }
    }

    /* Picking a name never admits by itself: the name and tier are shown with "Admit" and "Cancel". */
    openConfirm(ticket) {
      this.confirming = ticket;
      this.el.confirm.querySelector(".ef-confirm-name").textContent = ticket.holder;
      this.el.confirm.querySelector(".ef-confirm-tier").textContent = [ticket.tier,
        ticket.order && fill("order {order}", { order: ticket.order }),
        ticket.checked_in_at ? t("already checked in") : ""].filter(Boolean).join(" · ");
      this.el.confirm.hidden = false;
      this.el.confirm.querySelector(".ef-admit").focus();
    }

    closeConfirm() {
      this.confirming = null;
      this.el.confirm.hidden = true;
      this.el.search.focus();
    }

    admitConfirmed() {
      const ticket = this.confirming;
      if (!ticket) return;
      this.confirming = null;
      this.el.confirm.hidden = true;
      this.el.search.value = "";
      this.el.results.innerHTML = "";
      this.handle("", ticket.id);
    }

    // ------------------------------------------------------------------ camera
    cameraSaw(text) {
      // A ticket held up to the camera is read many times a second. Handle it when it comes into
      // view and not again until it has been out of view for a while: a ticket left lying in view
      // must not keep flashing "already checked in" over the next person's result. Typed codes
      // and search picks are deliberate and always handled.
      const now = Date.now();
      const seen = this.inView.get(text);
      this.inView.set(text, now);
      for (const [code, at] of this.inView) if (now - at > CAMERA_GONE_MS) this.inView.delete(code);
      if (seen === undefined || now - seen > CAMERA_GONE_MS) this.handle(text);
    }

    noCamera(text) {
      this.el.video.hidden = true;
      this.el.noCamera.hidden = false;
      this.el.noCamera.textContent = text;
    }

    async startCamera() {
      if (!window.ZXing || !navigator.mediaDevices) return this.noCamera(t("No camera — type or search"));
      try {
        this.reader = new ZXing.BrowserQRCodeReader();
        const devices = await this.reader.listVideoInputDevices();
        if (!devices.length) return this.noCamera(t("No camera — type or search"));
        const rear = devices.find((d) => /back|rear|environment/i.test(d.label)) || devices[devices.length - 1];
        this.el.cameras.replaceChildren(...devices.map((d, i) => {
          const option = document.createElement("option");
          option.value = d.deviceId;
          option.textContent = d.label || fill("Camera {number}", { number: i + 1 });
          return option;
        }));
        this.el.cameras.value = rear.deviceId;
        this.el.picker.hidden = devices.length < 2; // a picker only when there is a choice
        this.el.cameras.onchange = () => this.useCamera(this.el.cameras.value);
        this.el.video.hidden = false;
        this.el.noCamera.hidden = true;
        this.useCamera(rear.deviceId);
      } catch (error) {
        this.noCamera(t("No camera — type or search"));
      }
    }

    useCamera(deviceId) {
      // The <video> has no autoplay: ZXing starts it and waits for its "playing" event; a video
      // that autoplays first can fire that event too early and leave the decoder waiting forever.
      clearTimeout(this.cameraRetry);
      this.reader.reset();
      this.cameraStats = this.cameraStats || { starts: 0, frames: 0, errors: 0, lastError: "" };
      this.cameraStats.starts += 1;
      this.reader.decodeFromVideoDevice(deviceId, this.el.video, (result, error) => {
        this.cameraStats.frames += 1;
        if (result) return this.cameraSaw(result.getText());
        // ZXing keeps scanning after "no code in this frame", but its loop ends on any other error
        // (for example a frame read before the video has a size): start it again.
        const expected = error instanceof ZXing.NotFoundException || error instanceof ZXing.ChecksumException
          || error instanceof ZXing.FormatException;
        if (error && !expected) {
          this.cameraStats.errors += 1;
          this.cameraStats.lastError = String(error);
          this.cameraRetry = setTimeout(() => this.useCamera(deviceId), 300);
        }
      });
    }
  }

  window.EventFlowScanner = {
    mount(root, options) {
      const scanner = new Scanner(root, options);
      window.eventflowScanner = scanner; // for tests and debugging
      scanner.start();
      return scanner;
    },
  };
})();
