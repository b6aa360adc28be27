// The driver's run sheet (templates/delivery/run_sheet.html), made for a phone on a poor
// connection:
// - a signature pad per note (a canvas drawn with pointer events, sent as a PNG data URL);
// - the device's position, asked once the driver starts on a note (optional);
// - photos made smaller on the phone before they travel;
// - what is typed kept on the phone (localStorage) until the server has recorded it;
// - each press of "Delivered" or "Failed attempt" is one attempt with its own idempotency key,
//   sent again with the same key, with growing pauses and as soon as the phone is back online,
//   until the server answers: the server records a key once, so a retry never delivers twice.
// Without this script the forms post as they are and the server answers with the page.
(function () {
  "use strict";

  const sheet = document.getElementById("run-sheet");
  if (!sheet) return;
  const text = sheet.dataset;
  const prefix = "delivery-run:" + text.user + ":";
  const MAX_PAUSE_MS = 60000;
  const TIMEOUT_MS = 60000;
  const PHOTO_SIDE = 1600;
  const notes = {}; // note id -> its controller (below)
  const timers = {};
  const sending = {};
  const memoryPhotos = {}; // photos that did not fit in localStorage, for this page's life

  // --- small helpers ----------------------------------------------------------------------

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (byte) {
      return byte.toString(16).padStart(2, "0");
    }).join("");
  }

  const store = {
    get: function (name) {
      try {
        return JSON.parse(window.localStorage.getItem(prefix + name));
      } catch (error) {
        return null;
      }
    },
    set: function (name, value) {
      try {
        window.localStorage.setItem(prefix + name, JSON.stringify(value));
        return true;
      } catch (error) {
        return false; // full, or storage switched off
      }
    },
    drop: function (name) {
      try {
        window.localStorage.removeItem(prefix + name);
      } catch (error) {
        /* nothing kept, nothing to drop */
      }
    },
    names: function (kind) {
      const found = [];
      try {
        for (let index = 0; index < window.localStorage.length; index += 1) {
          const name = window.localStorage.key(index);
          if (name && name.indexOf(prefix + kind + ":") === 0) {
            found.push(name.slice((prefix + kind + ":").length));
          }
        }
      } catch (error) {
        /* no storage */
      }
      return found;
    },
  };

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function blobFromDataUrl(url) {
    const [head, data] = url.split(",");
    const type = (head.match(/^data:([^;]+)/) || [])[1] || "application/octet-stream";
    const bytes = atob(data);
    const buffer = new Uint8Array(bytes.length);
    for (let index = 0; index < bytes.length; index += 1) buffer[index] = bytes.charCodeAt(index);
    return new Blob([buffer], { type: type });
  }

  function dataUrlFromBlob(blob) {
    return new Promise(function (resolve, reject) {
      const reader = new FileReader();
      reader.onload = function () {
        resolve(reader.result);
      };
      reader.onerror = reject;
      reader.readAsDataURL(blob);
    });
  }

  // A photo at most PHOTO_SIDE px as a JPEG: a phone's 5 MB picture becomes a few hundred kB,
  // which a weak connection can carry and a retry can afford. The server re-encodes it anyway.
  async function shrink(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      const blob = await new Promise(function (resolve) {
        canvas.toBlob(resolve, "image/jpeg", 0.85);
      });
      return blob || file;
    } catch (error) {
      return file; // not decodable here: the server decides
    }
  }

  // --- the signature pad --------------------------------------------------------------------

  function signaturePad(canvas, input, changed) {
    const context = canvas.getContext("2d");
    let strokes = []; // each a list of [x, y] as fractions of the pad's size
    let current = null;
    let background = null; // a signature restored from the phone, drawn under new strokes

    function ratio() {
      return window.devicePixelRatio || 1;
    }

    function size() {
      const box = canvas.getBoundingClientRect();
      const width = Math.round(box.width * ratio());
      const height = Math.round(box.height * ratio());
      if (width && height && (canvas.width !== width || canvas.height !== height)) {
        canvas.width = width;
        canvas.height = height;
        redraw();
      }
    }

    function pen() {
      context.lineWidth = 2.5 * ratio();
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111";
    }

    function draw(stroke, from) {
      const width = canvas.width;
      const height = canvas.height;
      pen();
      context.beginPath();
      const start = stroke[Math.max(0, from - 1)];
      context.moveTo(start[0] * width, start[1] * height);
      for (let index = Math.max(1, from); index < stroke.length; index += 1) {
        context.lineTo(stroke[index][0] * width, stroke[index][1] * height);
      }
      if (stroke.length === 1) context.lineTo(start[0] * width + 0.5, start[1] * height);
      context.stroke();
    }

    function redraw() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      if (background) context.drawImage(background, 0, 0, canvas.width, canvas.height);
      strokes.forEach(function (stroke) {
        draw(stroke, 0);
      });
    }

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [
        Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
        Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
      ];
    }

    function save() {
      input.value = strokes.length || background ? canvas.toDataURL("image/png") : "";
      changed();
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" && event.button !== 0) return;
      event.preventDefault();
      size();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      draw(current, 0);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) return;
      event.preventDefault();
      const from = current.length;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      (events.length ? events : [event]).forEach(function (each) {
        current.push(point(each));
      });
      draw(current, from);
    });
    function end() {
      if (!current) return;
      current = null;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    window.addEventListener("resize", size);

    return {
      size: size,
      isEmpty: function () {
        return !strokes.length && !background;
      },
      clear: function () {
        strokes = [];
        background = null;
        redraw();
        save();
      },
      restore: function (url) {
        const image = new Image();
        image.onload = function () {
          background = image;
          size();
          redraw();
          input.value = url;
        };
        image.src = url;
      },
      lock: function (locked) {
        canvas.style.pointerEvents = locked ? "none" : "";
      },
    };
  }

  // --- one note -----------------------------------------------------------------------------

  function noteController(article) {
    const id = article.dataset.note;
    const form = article.querySelector('[data-testid="run-form"]');
    const state = article.querySelector('[data-testid="run-state"]');
    const feedback = article.querySelector("[data-feedback]");
    const where = form.querySelector("[data-location]");
    const photoBox = form.querySelector("[data-photos]");
    const photoInput = form.elements.photos;
    const signatureBlock = form.querySelector("[data-signature]");
    let photos = []; // {blob, url}
    let located = false;

    // The pad replaces the "add a photo instead" hint.
    signatureBlock.hidden = false;
    form.querySelectorAll("[data-no-script]").forEach(function (element) {
      element.hidden = true;
    });
    const pad = signaturePad(
      form.querySelector("canvas"),
      form.elements.signature,
      saveDraft
    );
    pad.size();
    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
    });

    function fields() {
      const values = {};
      for (const element of form.elements) {
        if (!element.name || element.type === "file" || element.type === "submit") continue;
        if (["csrfmiddlewaretoken", "idempotency_key", "next"].indexOf(element.name) >= 0) {
          continue;
        }
        values[element.name] = element.value;
      }
      return values;
    }

    function saveDraft() {
      store.set("draft:" + id, { fields: fields(), savedAt: Date.now() });
    }

    function restoreDraft() {
      const draft = store.get("draft:" + id);
      if (!draft || !draft.fields) return;
      Object.keys(draft.fields).forEach(function (name) {
        const element = form.elements[name];
        if (!element || element.type === "hidden" && name !== "signature") return;
        if (name === "latitude" || name === "longitude") return;
        element.value = draft.fields[name];
      });
      if (draft.fields.signature) pad.restore(draft.fields.signature);
    }

    function locate() {
      if (located || !navigator.geolocation) return;
      located = true;
      where.textContent = text.textLocating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.latitude.value = position.coords.latitude.toFixed(6);
          form.elements.longitude.value = position.coords.longitude.toFixed(6);
          where.textContent = format(text.textLocated, {
            metres: Math.round(position.coords.accuracy || 0),
          });
        },
        function () {
          where.textContent = text.textNoLocation;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 120000 }
      );
    }

    function drawPhotos() {
      photoBox.replaceChildren();
      photos.forEach(function (photo, index) {
        const holder = document.createElement("div");
        holder.className = "run-photo";
        const image = document.createElement("img");
        image.src = photo.url;
        image.alt = "";
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-sm btn-danger rounded-circle py-0 px-1";
        remove.setAttribute("aria-label", text.textRemovePhoto);
        remove.innerHTML = '<i class="bi bi-x" aria-hidden="true"></i>';
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(photo.url);
          photos.splice(index, 1);
          drawPhotos();
        });
        holder.append(image, remove);
        photoBox.append(holder);
      });
    }

    photoInput.addEventListener("change", async function () {
      const files = Array.from(photoInput.files || []);
      // Taken one at a time with the camera, they add up; the input is emptied each time.
      photoInput.value = "";
      for (const file of files) {
        const blob = await shrink(file);
        photos.push({ blob: blob, url: URL.createObjectURL(blob) });
      }
      drawPhotos();
    });

    form.addEventListener("input", saveDraft);
    form.addEventListener("change", saveDraft);
    form.addEventListener("focusin", locate);
    form.addEventListener("pointerdown", locate);

    function clearErrors() {
      form.querySelectorAll(".is-invalid").forEach(function (element) {
        element.classList.remove("is-invalid");
      });
      form.querySelectorAll("[data-client-error]").forEach(function (element) {
        element.remove();
      });
      const general = form.querySelector('[data-errors="__all__"]');
      general.replaceChildren();
      general.classList.add("d-none");
      form.querySelector('[data-errors="signature"]').replaceChildren();
    }

    function showErrors(errors, message) {
      clearErrors();
      let placed = false;
      Object.keys(errors || {}).forEach(function (name) {
        const messages = errors[name];
        const box = form.querySelector('[data-errors="' + name + '"]');
        const element = form.elements[name];
        if (box) {
          messages.forEach(function (each) {
            const line = document.createElement("div");
            line.textContent = each;
            box.append(line);
          });
          box.classList.remove("d-none");
          placed = true;
        } else if (element && element.type !== "hidden") {
          element.classList.add("is-invalid");
          const line = document.createElement("div");
          line.className = "invalid-feedback d-block";
          line.dataset.clientError = "";
          line.textContent = messages.join(" ");
          const after = element.closest(".input-group") || element;
          after.after(line);
          if (name === "failure_reason") form.querySelector("details").open = true;
          placed = true;
        }
      });
      if (!placed && message) {
        const general = form.querySelector('[data-errors="__all__"]');
        general.textContent = message;
        general.classList.remove("d-none");
      }
    }

    function show(kind, message, retry) {
      state.dataset.state = kind;
      state.textContent = {
        sending: text.textSending,
        pending: text.textPending,
        done: text.textDone,
        failed: text.textRefused,
      }[kind] || "";
      feedback.replaceChildren();
      if (message) {
        const line = document.createElement("div");
        line.className = "alert py-2 mb-0 alert-" + ({ done: "success", failed: "danger" }[kind]
          || "warning");
        line.setAttribute("role", kind === "failed" ? "alert" : "status");
        line.textContent = message;
        if (retry) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-sm btn-outline-dark ms-2";
          button.textContent = text.textRetry;
          button.addEventListener("click", function () {
            send(id);
          });
          line.append(button);
        }
        feedback.append(line);
      }
    }

    function lock(locked) {
      form.querySelectorAll("button, input, select, textarea").forEach(function (element) {
        if (element.type !== "hidden") element.disabled = locked;
      });
      pad.lock(locked);
    }

    // Checks the server would make, made before queuing: a delivery refused for a missing
    // name must not wait for the network after the driver has left.
    function check(outcome) {
      const errors = {};
      if (outcome === "failed" && !form.elements.failure_reason.value) {
        errors.failure_reason = [text.textNeedReason];
      }
      if (outcome === "delivered" && text.requireProof === "1") {
        if (!form.elements.received_by.value.trim()) {
          errors.received_by = [text.textNeedReceiver];
        }
        if (pad.isEmpty() && !photos.length) errors.signature = [text.textNeedProof];
      }
      return errors;
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (store.get("pending:" + id)) {
        send(id); // already waiting: try now
        return;
      }
      const outcome = (event.submitter && event.submitter.value) || "delivered";
      const errors = check(outcome);
      if (Object.keys(errors).length) {
        showErrors(errors);
        return;
      }
      clearErrors();
      const values = fields();
      values.outcome = outcome;
      const entry = {
        key: newKey(),
        url: form.action,
        number: article.dataset.number,
        fields: values,
        photos: [],
        savedAt: Date.now(),
        attempts: 0,
      };
      const blobs = photos.map(function (photo) {
        return photo.blob;
      });
      memoryPhotos[id] = blobs;
      entry.photos = await Promise.all(blobs.map(dataUrlFromBlob));
      if (!store.set("pending:" + id, entry)) {
        // Too big for the phone's storage: the photos stay in memory for this page.
        entry.photos = [];
        entry.photosInMemory = blobs.length > 0;
        store.set("pending:" + id, entry);
      }
      send(id);
    });

    return {
      id: id,
      show: show,
      lock: lock,
      showErrors: showErrors,
      restoreDraft: restoreDraft,
      done: function (data) {
        lock(true);
        article.classList.add("is-done");
        photos = [];
        drawPhotos();
        show("done", data.message + (data.status_label ? " · " + data.status_label : ""));
      },
    };
  }

  // --- sending ------------------------------------------------------------------------------

  function queueLine(id, entry) {
    const queue = document.getElementById("run-queue");
    const list = queue.querySelector("[data-queue-list]");
    let line = list.querySelector('[data-note="' + id + '"]');
    if (!line) {
      line = document.createElement("li");
      line.dataset.note = id;
      list.append(line);
    }
    queue.hidden = false;
    return {
      show: function (kind, message) {
        line.textContent = entry.number + ": " + (message || text.textQueued);
        if (kind === "done") {
          line.remove();
          if (!list.children.length) queue.hidden = true;
        }
      },
      lock: function () {},
      showErrors: function () {},
      done: function (data) {
        this.show("done", data.message);
      },
    };
  }

  function view(id, entry) {
    return notes[id] || queueLine(id, entry);
  }

  async function post(id, entry) {
    const body = new FormData();
    Object.keys(entry.fields).forEach(function (name) {
      body.append(name, entry.fields[name]);
    });
    body.set("idempotency_key", entry.key);
    body.set("csrfmiddlewaretoken", csrfToken());
    const photos = entry.photos.length
      ? entry.photos.map(blobFromDataUrl)
      : memoryPhotos[id] || [];
    photos.forEach(function (blob, index) {
      body.append("photos", blob, "photo-" + (index + 1) + ".jpg");
    });
    const controller = new AbortController();
    const timer = window.setTimeout(function () {
      controller.abort();
    }, TIMEOUT_MS);
    let response;
    try {
      response = await fetch(entry.url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        redirect: "manual",
        signal: controller.signal,
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      });
    } finally {
      window.clearTimeout(timer);
    }
    // A redirect is the login page: the session ended. 403: the token or the session.
    if (response.type === "opaqueredirect" || response.status === 401 ||
        response.status === 403) {
      return { signin: true };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.ok && data && data.ok) return { ok: true, data: data };
    if (response.status >= 400 && response.status < 500 &&
        [408, 425, 429].indexOf(response.status) < 0) {
      return { refused: true, data: data || { message: text.textRefusedGeneric } };
    }
    return { retry: true }; // a server error, a proxy's page, a gateway timeout
  }

  async function send(id) {
    const entry = store.get("pending:" + id);
    if (!entry || sending[id]) return;
    const target = view(id, entry);
    window.clearTimeout(timers[id]);
    sending[id] = true;
    target.lock(true);
    target.show("sending", text.textSending);
    let result;
    try {
      result = await post(id, entry);
    } catch (error) {
      result = { retry: true }; // offline, dropped, timed out
    }
    sending[id] = false;
    if (result.ok) {
      store.drop("pending:" + id);
      store.drop("draft:" + id);
      delete memoryPhotos[id];
      target.done(result.data);
      return;
    }
    if (result.retry) {
      entry.attempts = (entry.attempts || 0) + 1;
      store.set("pending:" + id, entry);
      // 2, 4, 8 … 60 s, give or take a quarter, so phones back online do not all call at once.
      const pause = Math.min(MAX_PAUSE_MS, 1000 * Math.pow(2, Math.min(entry.attempts, 6))) *
        (0.75 + Math.random() / 2);
      target.show("pending", format(text.textRetrying, { seconds: Math.round(pause / 1000) }),
        true);
      timers[id] = window.setTimeout(function () {
        send(id);
      }, pause);
      return;
    }
    if (result.signin) {
      target.show("failed", text.textSignin, true);
      return;
    }
    // The server answered: nothing was recorded. The next press is a new attempt.
    store.drop("pending:" + id);
    target.lock(false);
    target.show("failed", result.data.message || text.textRefusedGeneric);
    target.showErrors(result.data.errors || {}, result.data.message);
  }

  function sendAll() {
    store.names("pending").forEach(send);
  }

  // --- start --------------------------------------------------------------------------------

  sheet.querySelectorAll('[data-testid="run-note"]').forEach(function (article) {
    const controller = noteController(article);
    notes[controller.id] = controller;
    controller.restoreDraft();
  });
  // Drafts of notes no longer on the sheet (delivered by someone else, cancelled) go after
  // a few days; those of notes still waiting to be sent stay.
  store.names("draft").forEach(function (id) {
    const draft = store.get("draft:" + id);
    if (!notes[id] && !store.get("pending:" + id) &&
        (!draft || Date.now() - (draft.savedAt || 0) > 3 * 24 * 3600 * 1000)) {
      store.drop("draft:" + id);
    }
  });
  store.names("pending").forEach(function (id) {
    const entry = store.get("pending:" + id);
    if (entry && entry.photosInMemory && !memoryPhotos[id]) {
      view(id, entry).show("pending", text.textPhotosLost);
    }
  });
  sendAll();
  window.addEventListener("online", sendAll);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") sendAll();
  });
})();
