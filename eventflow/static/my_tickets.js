/*
 * EventFlow "My tickets" offline: the list page (pages/my_tickets.py) hands `keep` its tickets and the
 * wallets of the soonest ones; they go into localStorage — the list under "eventflow-my-tickets", each
 * wallet under the key wallet.js uses ("eventflow-ticket:<id>"), so the wallet's offline copy opens it too.
 * `renderOffline` draws the kept list on the service worker's static copy of /my-tickets.
 */
(function () {
  "use strict";
  const LIST = "eventflow-my-tickets";

  function keep(data) {
    try {
      localStorage.setItem(LIST, JSON.stringify({ email: data.email, tickets: data.tickets, words: data.words }));
      for (const wallet of data.wallets || []) {
        localStorage.setItem("eventflow-ticket:" + wallet.id, JSON.stringify(wallet));
      }
    } catch (error) { /* storage full or off: the page still works online */ }
  }

  function forget() {
    const saved = JSON.parse(localStorage.getItem(LIST) || "null");
    for (const ticket of (saved && saved.tickets) || []) localStorage.removeItem("eventflow-ticket:" + ticket.id);
    localStorage.removeItem(LIST);
  }

  function renderOffline(root) {
    const saved = JSON.parse(localStorage.getItem(LIST) || "null");
    if (!saved) {
      root.textContent = "Your tickets have not been opened on this device yet. Connect to the internet and open My tickets.";
      return;
    }
    const w = saved.words || {};
    const title = document.createElement("h1");
    title.textContent = w.title || "My tickets";
    const note = document.createElement("p");
    note.textContent = w.offline || "Offline: the tickets this device has shown before.";
    note.dataset.testid = "my-tickets-offline";
    root.replaceChildren(title, note);
    for (const ticket of saved.tickets) {
      const card = document.createElement("div");
      card.className = "ef-my-ticket";
      card.dataset.testid = "my-ticket";
      for (const [text, cls] of [[ticket.title, "ef-event"], [ticket.when, "ef-when"],
                                 [ticket.tier + " · " + ticket.holder, "ef-tier"]]) {
        const line = document.createElement("div");
        line.className = cls;
        line.textContent = text;
        card.append(line);
      }
      const action = document.createElement(ticket.path ? "a" : "strong");
      if (ticket.path) {
        action.href = ticket.path;
        action.textContent = w.open || "Open ticket";
      } else {
        action.textContent = w.transferred || "Transferred";
      }
      card.append(action);
      root.append(card);
    }
  }

  window.EventFlowMyTickets = { keep, forget, renderOffline };
})();
