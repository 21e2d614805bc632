// The expert page: answers and profile edits go to the link's own JSON API (/x/<token>/...).
"use strict";
(function () {
  const T = JSON.parse(document.getElementById("strings").textContent);
  const base = window.location.pathname.replace(/\/+$/, "");
  const lang = document.body.dataset.lang;
  const banner = document.getElementById("banner");

  function show(message, kind) {
    banner.textContent = message;
    banner.className = "banner " + (kind || "ok");
    banner.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function closePage(message) {
    // the link stopped working meanwhile (expired, revoked, used, too many requests): say so, keep nothing
    const main = document.querySelector("main");
    main.innerHTML = "";
    const card = document.createElement("section");
    card.className = "closed card";
    card.id = "closed";
    const p = document.createElement("p");
    p.textContent = message;
    card.appendChild(p);
    main.appendChild(card);
  }

  async function call(method, path, body) {
    const response = await fetch(base + path + "?lang=" + encodeURIComponent(lang), {
      method: method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    let data = null;
    try { data = await response.json(); } catch (_e) { data = null; }
    if (!response.ok) {
      const error = (data && data.error) || "error";
      const message = (data && data.message) || response.statusText;
      if (error.startsWith("link_") || error === "too_many_requests") closePage(message);
      throw new Error(message);
    }
    return data;
  }

  function lines(id) {
    return document.getElementById(id).value.split("\n").map((s) => s.trim()).filter(Boolean);
  }

  document.querySelectorAll("article.demand").forEach((card) => {
    card.querySelectorAll("button.answer").forEach((button) => {
      button.addEventListener("click", async () => {
        const buttons = card.querySelectorAll("button.answer");
        buttons.forEach((b) => { b.disabled = true; });
        try {
          const note = card.querySelector("textarea.note").value.trim();
          const out = await call("POST", "/answers", {
            demand_id: card.dataset.demandId, answer: button.dataset.answer, note: note,
          });
          card.dataset.status = out.status;
          card.querySelector(".match-state").textContent = T[out.answer] + " · " + T["status_" + out.status];
          buttons.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
          if (out.status === "declined" || out.status === "signed") {
            card.querySelector(".answer-form").remove();
          }
          show(T.answer_saved, "ok");
        } catch (error) {
          show(T.error.replace("{message}", error.message), "bad");
        } finally {
          buttons.forEach((b) => { b.disabled = false; });
        }
      });
    });
  });

  const form = document.getElementById("profile-form");
  async function saveProfile(confirmOnly) {
    const body = confirmOnly ? {} : {
      affiliation: document.getElementById("p-affiliation").value.trim(),
      title: document.getElementById("p-title").value.trim(),
      keywords: lines("p-keywords"),
      publications: lines("p-publications"),
      cooperation_modes: Array.from(form.querySelectorAll("input[name=mode]:checked")).map((i) => i.value),
      available: document.getElementById("p-available").checked,
    };
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const out = await call("PUT", "/profile", body);
      if (out.updated_at) document.getElementById("updated").textContent = T.updated.replace("{date}", out.updated_at);
      show(confirmOnly ? T.profile_confirmed : T.profile_saved, "ok");
      document.body.dataset.profileSaved = "true";
    } catch (error) {
      if (document.getElementById("banner")) show(T.error.replace("{message}", error.message), "bad");
    } finally {
      form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); saveProfile(false); });
  document.getElementById("confirm-profile").addEventListener("click", () => saveProfile(true));
  document.body.dataset.ready = "true";
})();
