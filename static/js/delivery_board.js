// The dispatch board (templates/delivery/board.html): drag a card to another column, or press
// one of its buttons, and the move is posted to board_move, which performs the declared action
// leading there. The server's answer decides: a moved card is redrawn from the HTML it sends,
// a refused one goes back where it was with the service's message. Without this script the
// cards' buttons post the same forms and the page reloads.
(function () {
  "use strict";

  const board = document.getElementById("delivery-board");
  if (!board) return;
  const text = board.dataset;
  const dialog = document.getElementById("ship-dialog");
  const CARD = '[data-testid="board-card"]';
  const COLUMN = '[data-testid="board-column"]';
  let dragged = null;

  // As js/app.js: the cookie first (Django rotates it at login), else the page's <meta>.
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function say(message, level) {
    const box = document.getElementById("messages");
    if (!box || !message) return;
    const alert = document.createElement("div");
    alert.className = "alert alert-" + level + " alert-dismissible fade show";
    alert.setAttribute("role", level === "danger" ? "alert" : "status");
    alert.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.dataset.bsDismiss = "alert";
    close.setAttribute("aria-label", text.textClose);
    alert.append(close);
    // One message of the board at a time: moves in a row must not push it off the screen.
    box.querySelectorAll("[data-board-message]").forEach(function (older) {
      older.remove();
    });
    alert.dataset.boardMessage = "";
    box.append(alert);
  }

  function column(status) {
    return board.querySelector(COLUMN + '[data-status="' + status + '"]');
  }

  function zone(columnElement) {
    return columnElement.querySelector("[data-drop-zone]");
  }

  // The column's count, in its header and in the column links above the board.
  function bump(status, delta) {
    document.querySelectorAll('[data-count-for="' + status + '"]').forEach(function (badge) {
      badge.textContent = String(Math.max(0, Number(badge.textContent) + delta));
    });
  }

  function drops(card) {
    try {
      return JSON.parse(card.dataset.drop || "{}");
    } catch (error) {
      return {};
    }
  }

  function prepare(card) {
    card.draggable = true;
  }

  // Put a card at the top of a column (after the "nothing here" line).
  function place(card, status) {
    const target = column(status);
    if (!target) return false;
    const cards = zone(target);
    const first = cards.querySelector(CARD);
    cards.insertBefore(card, first || cards.querySelector(".delivery-board-empty").nextSibling);
    return true;
  }

  function cardFrom(html) {
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const card = holder.querySelector(CARD);
    prepare(card);
    return card;
  }

  // Post a move; `origin` is where the card was, to put it back when the move is refused.
  async function move(card, body, origin) {
    const from = card.dataset.status;
    body.set("csrfmiddlewaretoken", csrfToken());
    body.set("next", window.location.pathname + window.location.search);
    card.classList.add("is-busy");
    card.setAttribute("aria-busy", "true");
    let data = null;
    try {
      const response = await fetch(card.dataset.moveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      });
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
    } catch (error) {
      back(card, origin);
      say(text.textOffline, "danger");
      return;
    }
    if (data && data.ok) {
      const fresh = cardFrom(data.card);
      if (!place(fresh, data.status)) fresh.hidden = true;
      card.remove();
      bump(from, -1);
      bump(data.status, 1);
      fresh.focus({ preventScroll: true });
      fresh.scrollIntoView({ block: "nearest", inline: "nearest" });
      say(data.message, "success");
      return;
    }
    back(card, origin);
    if (data && data.redirect) {
      window.location.assign(data.redirect);
      return;
    }
    say((data && data.message) || text.textFailed, "danger");
  }

  function back(card, origin) {
    card.classList.remove("is-busy");
    card.removeAttribute("aria-busy");
    if (origin && origin.parent) origin.parent.insertBefore(card, origin.next);
  }

  function originOf(card) {
    return { parent: card.parentNode, next: card.nextSibling };
  }

  // --- shipping: the dialog holds the ship action's optional fields -----------------------

  function openShip(card, origin) {
    if (!dialog || typeof dialog.showModal !== "function") {
      // No dialog support: the card's own ship form, opened.
      const details = card.querySelector("details");
      if (details) details.open = true;
      return;
    }
    const form = dialog.querySelector("form");
    form.reset();
    const own = card.querySelector('details form');
    if (own) {
      for (const field of own.elements) {
        if (field.name && form.elements[field.name] && field.type !== "hidden") {
          form.elements[field.name].value = field.value;
        }
      }
    }
    dialog.querySelector("h2").textContent = text.textShip.replace(
      "%(number)s", card.dataset.number
    );
    dialog.card = card;
    dialog.origin = origin;
    dialog.showModal();
    const first = form.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  }

  if (dialog) {
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-dialog-close]")) dialog.close();
    });
    dialog.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      const card = dialog.card;
      if (!card) return;
      const body = new FormData(event.target);
      dialog.close();
      const origin = dialog.origin || originOf(card);
      place(card, "in_transit");
      move(card, body, origin);
    });
  }

  // --- buttons and forms on the cards -------------------------------------------------------

  board.addEventListener("submit", function (event) {
    const form = event.target;
    const card = form.closest(CARD);
    if (!card) return;
    event.preventDefault();
    const body = new FormData(form);
    move(card, body, originOf(card));
  });

  // --- drag and drop ------------------------------------------------------------------------

  function clearMarks() {
    board.querySelectorAll(".is-target, .is-over").forEach(function (element) {
      element.classList.remove("is-target", "is-over");
    });
  }

  board.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(CARD);
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.number || card.dataset.note);
    card.classList.add("is-dragging");
    Object.keys(drops(card)).forEach(function (status) {
      const target = column(status);
      if (target) target.classList.add("is-target");
    });
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearMarks();
  });

  board.addEventListener("dragover", function (event) {
    if (!dragged) return;
    const target = event.target.closest(COLUMN);
    if (!target) return;
    // Every column accepts the drop: one the card cannot reach answers why.
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".is-over").forEach(function (element) {
      if (element !== target) element.classList.remove("is-over");
    });
    target.classList.add("is-over");
  });

  board.addEventListener("dragleave", function (event) {
    const target = event.target.closest(COLUMN);
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("is-over");
  });

  board.addEventListener("drop", function (event) {
    const target = event.target.closest(COLUMN);
    const card = dragged;
    if (!target || !card) return;
    event.preventDefault();
    card.classList.remove("is-dragging");
    dragged = null;
    clearMarks();
    const status = target.dataset.status;
    if (status === card.dataset.status) return;
    const step = drops(card)[status];
    const origin = originOf(card);
    if (step && step.mode === "page" && step.url) {
      window.location.assign(step.url);
      return;
    }
    if (step && step.mode === "form") {
      openShip(card, origin);
      return;
    }
    place(card, status);
    const body = new FormData();
    body.set("status", status);
    move(card, body, origin);
  });

  board.querySelectorAll(CARD).forEach(prepare);
  // The filters start open where there is room for them.
  const filters = document.querySelector('[data-testid="board-filter"]');
  if (filters && window.matchMedia("(min-width: 992px)").matches) filters.open = true;
})();
