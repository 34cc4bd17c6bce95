/*
 * EventFlow ticket wallet: the rotating QR code, computed in the browser every step from the
 * ticket's secret, so the code keeps rotating (and the door accepts it) with no network at all.
 * The ticket JSON carries the server's code window (step_seconds, digits, ...) and, once the door
 * admitted it, when ("checked_in": "20:15" in the event's timezone). The ticket is kept in
 * localStorage; the service worker's offline copy of the page reads it back.
 */
(function () {
  "use strict";
  const Door = window.EventFlowDoor;

  function storageKey(ticketId) {
    return "eventflow-ticket:" + ticketId;
  }

  class Wallet {
    constructor(root, ticket) {
      this.root = root;
      this.ticket = ticket;
      this.shownStep = null;
    }

    start() {
      localStorage.setItem(storageKey(this.ticket.id), JSON.stringify(this.ticket));
      this.root.innerHTML = `
        <div class="ef-wallet">
          <div class="ef-event"></div><div class="ef-when"></div>
          <div class="ef-qr" data-testid="qr"></div>
          <div class="ef-countdown" data-testid="qr-countdown"></div>
          <div class="ef-holder" data-testid="holder"></div><div class="ef-tier"></div>
          <div class="ef-offline-note" data-testid="offline-note" hidden>Offline: this code is still valid</div>
          <div class="ef-status-note"></div>
          <div class="ef-checked-in" data-testid="checked-in" hidden></div>
          <small class="ef-rotation"></small>
        </div>`;
      const q = (selector) => this.root.querySelector(selector);
      q(".ef-event").textContent = this.ticket.event_title;
      q(".ef-when").textContent = this.ticket.when;
      q(".ef-holder").textContent = this.ticket.holder;
      q(".ef-tier").textContent = this.ticket.tier;
      if (this.ticket.status && this.ticket.status !== "valid") {
        q(".ef-status-note").textContent = "This ticket is " + this.ticket.status + ".";
      }
      if (this.ticket.checked_in) {
        q(".ef-checked-in").hidden = false;
        q(".ef-checked-in").textContent = "Checked in at " + this.ticket.checked_in;
      }
      q(".ef-rotation").textContent =
        `The code changes every ${this.ticket.step_seconds} seconds: screenshots will not get in.`;
      this.qr = q(".ef-qr");
      this.countdown = q(".ef-countdown");
      this.offlineNote = q(".ef-offline-note");
      this.writer = new ZXing.BrowserQRCodeSvgWriter();
      this.tick();
      this.timer = setInterval(() => this.tick(), 1000);
    }

    async tick() {
      const now = Date.now();
      const step = Door.stepAt(this.ticket, now);
      if (step !== this.shownStep) {
        this.shownStep = step;
        const payload = `EF1.${this.ticket.id}.${await Door.codeAt(this.ticket, this.ticket.secret, now)}`;
        this.qr.replaceChildren(this.writer.write(payload, 320, 320));
        this.qr.dataset.payload = payload;
      }
      const left = this.ticket.step_seconds - Math.floor(now / 1000) % this.ticket.step_seconds;
      this.countdown.textContent = `New code in ${left} s`;
      this.offlineNote.hidden = navigator.onLine;
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
