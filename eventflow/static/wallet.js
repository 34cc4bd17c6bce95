/*
 * EventFlow ticket wallet: the rotating QR code. The ticket JSON carries the server's signed codes
 * for the next hours (`codes`: first_step and one Ed25519 signature per 30 s step, docs/door.md),
 * so the code keeps rotating (and the door accepts it) with no network for that long; while
 * online the wallet fetches more (`codes_url`) before fewer than three hours are left. It also
 * carries the code window (step_seconds, ...) and, once the door admitted it, when
 * ("checked_in": "20:15" in the event's timezone). The ticket is kept in localStorage; the service
 * worker's offline copy of the page reads it back. A ticket saved by an older wallet (a TOTP
 * `secret`, legacy EF1 codes) keeps working the old way until it is opened online again.
 */
(function () {
  "use strict";
  const Door = window.EventFlowDoor;
  const REFILL_BELOW_S = 3 * 3600; // fetch more signed codes when fewer than this many seconds are left
  const REFILL_RETRY_MS = 60000;

  function storageKey(ticketId) {
    return "eventflow-ticket:" + ticketId;
  }

  class Wallet {
    constructor(root, ticket) {
      this.root = root;
      this.ticket = ticket;
      this.shownStep = null;
      this.refillAt = 0;
    }

    start() {
      localStorage.setItem(storageKey(this.ticket.id), JSON.stringify(this.ticket));
      // The wallet's words in the visitor's language (pages/ticket.py `wallet_words`; kept for the offline copy).
      const w = this.words = this.ticket.words || {};
      this.root.innerHTML = `
        <div class="ef-wallet">
          <h1 class="ef-event"></h1><div class="ef-when"></div>
          <div class="ef-status-note" data-testid="ticket-status" role="alert" hidden></div>
          <div class="ef-qr" data-testid="qr"></div>
          <div class="ef-countdown" data-testid="qr-countdown"></div>
          <div class="ef-holder" data-testid="holder"></div><div class="ef-tier"></div>
          <div class="ef-offline-note" data-testid="offline-note" hidden></div>
          <div class="ef-checked-in" data-testid="checked-in" hidden></div>
          <small class="ef-rotation"></small>
        </div>`;
      const q = (selector) => this.root.querySelector(selector);
      q(".ef-event").textContent = this.ticket.event_title;
      q(".ef-when").textContent = this.ticket.when;
      q(".ef-holder").textContent = this.ticket.holder;
      q(".ef-tier").textContent = this.ticket.tier;
      q(".ef-offline-note").textContent = w.offline || "Offline: this code is still valid";
      if (this.ticket.checked_in) {
        q(".ef-checked-in").hidden = false;
        q(".ef-checked-in").textContent = (w.checkedIn || "Checked in at {time}").replace("{time}", this.ticket.checked_in);
      }
      if (this.ticket.status && this.ticket.status !== "valid") {
        // It gets nobody in (event cancelled, refunded, disputed): say why, and show no code that
        // could pass for a valid one.
        this.showNotValid(q(".ef-status-note"));
        for (const selector of [".ef-qr", ".ef-countdown", ".ef-offline-note", ".ef-rotation"]) q(selector).remove();
        return;
      }
      q(".ef-rotation").textContent =
        (w.rotation || "The code changes every {seconds} seconds: screenshots will not get in.")
          .replace("{seconds}", this.ticket.step_seconds);
      this.qr = q(".ef-qr");
      this.countdown = q(".ef-countdown");
      this.offlineNote = q(".ef-offline-note");
      this.writer = new ZXing.BrowserQRCodeSvgWriter();
      this.tick();
      this.timer = setInterval(() => this.tick(), 1000);
    }

    showNotValid(note) {
      const title = document.createElement("strong");
      title.textContent = this.ticket.status_title || this.words.notValid || "Not valid";
      const why = document.createElement("div");
      why.textContent = this.ticket.status_text || "This ticket is " + this.ticket.status.replace("_", " ") + ".";
      note.replaceChildren(title, why);
      note.hidden = false;
    }

    /* The payload to show at `now`; null when the wallet has no code for it (ran out offline). */
    async payloadAt(now) {
      const ticket = this.ticket;
      const step = Door.stepAt(ticket, now);
      if (ticket.codes) {
        const signature = ticket.codes.signatures[step - ticket.codes.first_step];
        return signature ? `EF2.${ticket.id}.${step}.${signature}` : null;
      }
      if (ticket.secret) return `EF1.${ticket.id}.${await Door.codeAt(ticket, ticket.secret, now)}`;
      return null;
    }

    /* Seconds of signed codes left from `now`. */
    codesLeft(now) {
      const codes = this.ticket.codes;
      if (!codes) return 0;
      const end = (codes.first_step + codes.signatures.length) * this.ticket.step_seconds;
      return end - now / 1000;
    }

    async refill(now) {
      if (!navigator.onLine || !this.ticket.codes_url || now < this.refillAt) return;
      if (this.codesLeft(now) >= REFILL_BELOW_S) return;
      this.refillAt = now + REFILL_RETRY_MS;
      try {
        const response = await fetch(this.ticket.codes_url, { cache: "no-store" });
        if (!response.ok) return;
        const fresh = await response.json();
        this.ticket = { ...this.ticket, codes: { first_step: fresh.first_step, signatures: fresh.signatures } };
        delete this.ticket.secret;
        localStorage.setItem(storageKey(this.ticket.id), JSON.stringify(this.ticket));
        this.shownStep = null;
      } catch (error) { /* offline after all: try again later */ }
    }

    async tick() {
      const now = Date.now();
      const step = Door.stepAt(this.ticket, now);
      if (step !== this.shownStep) {
        this.shownStep = step;
        const payload = await this.payloadAt(now);
        if (payload) {
          const svg = this.writer.write(payload, 320, 320);
          // A viewBox lets the code scale to a narrow phone instead of being clipped at the card's edge
          // (a signed code is a version 6 QR: its right finder pattern fell outside a 390 px screen).
          svg.setAttribute("viewBox", "0 0 320 320");
          svg.setAttribute("shape-rendering", "crispEdges"); // no hairline seams between scaled modules
          svg.removeAttribute("width");
          svg.removeAttribute("height");
          this.qr.replaceChildren(svg);
        } else {
          this.qr.textContent = this.words.refresh || "Connect to the internet once to refresh this ticket's codes.";
        }
        this.qr.dataset.payload = payload || "";
      }
      const left = this.ticket.step_seconds - Math.floor(now / 1000) % this.ticket.step_seconds;
      this.countdown.textContent = (this.words.newCode || "New code in {seconds} s").replace("{seconds}", left);
      this.offlineNote.hidden = navigator.onLine;
      this.refill(now);
    }
  }

  window.EventFlowWallet = {
    mount(root, options) {
      const wallet = new Wallet(root, options.ticket);
      wallet.start();
      return wallet;
    },
    /* The offline page: the ticket this browser opened before, by the id in the address. */
    mountFromStorage(root, ticketId) {
      const saved = localStorage.getItem(storageKey(ticketId));
      const ticket = saved && JSON.parse(saved);
      if (!ticket || !ticket.step_seconds) { // never opened here, or saved by an older wallet without the code window
        root.textContent = "This ticket has not been opened on this device yet. Connect to the internet and open your ticket link.";
        return null;
      }
      return this.mount(root, { ticket });
    },
  };
})();
