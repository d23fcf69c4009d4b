/*
 * Chat widget of the Red Cluster Colombia advisor.
 *
 * Why this file looks the way it does: any portal embeds it with one tag, no build step and no
 * dependencies:
 *   <script src="https://host/widget.js" data-api="https://host" data-color="#0b5d7a"
 *           data-accent="#f5a623" defer></script>
 * Everything lives in a Shadow DOM, so the portal's CSS cannot leak in (nor ours out). Every
 * piece of text coming from the network is inserted with textContent / createElement, never
 * innerHTML, so markup in a question or an answer is shown as text and never runs.
 * The conversation id and an in-progress diagnosis are kept in localStorage, so a reload
 * continues where the person was.
 */
(function () {
  "use strict";
  if (window.__asesorRCC) return; // embedded twice: keep the first one
  window.__asesorRCC = true;

  var script = document.currentScript;
  var API = ((script && script.getAttribute("data-api")) || (script ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  var COLOR = pickColor(script && script.getAttribute("data-color"), "#0b5d7a");
  var ACCENT = pickColor(script && script.getAttribute("data-accent"), "#f5a623");
  var KEY = "asesorRCC:" + API + ":";
  var TOTAL = 13;

  var T = {
    launcher: "Abrir el asesor de la Red Cluster Colombia",
    launcherText: "¿Preguntas?",
    title: "Asesor de la Red Cluster Colombia",
    subtitle: "Respuestas de la cartilla «ABC de las iniciativas cluster en Colombia»",
    close: "Cerrar el asesor",
    greeting: "¡Hola! Soy el asesor de la Red Cluster Colombia. Respondo preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia» y cito la sección de donde sale cada respuesta. ¿En qué le puedo ayudar?",
    suggestionsLabel: "Preguntas sugeridas",
    inputLabel: "Escriba su pregunta",
    placeholder: "Escriba su pregunta…",
    send: "Enviar",
    diagnosis: "Hacer el autodiagnóstico",
    diagnosisContinue: "Continuar el autodiagnóstico",
    privacy: "Guardamos sus preguntas y respuestas del autodiagnóstico para mejorar el servicio (Ley 1581 de 2012) y las borramos pasado el plazo de conservación. Al terminar el autodiagnóstico puede indicar, si quiere, su departamento y sector para estadísticas anónimas. No escriba datos personales.",
    forget: "Borrar mis datos",
    forgetConfirm: "¿Quiere borrar sus preguntas, sus valoraciones y su autodiagnóstico guardados en el asesor? No se puede deshacer.",
    forgotten: "Listo: borramos sus datos del asesor.",
    you: "Usted",
    bot: "Asesor",
    thinking: "Buscando en la cartilla…",
    retrying: "Hay muchas consultas en este momento; lo intento de nuevo en unos segundos…",
    sources: "Fuentes",
    related: "También puede preguntar",
    starters: "Puede empezar por aquí",
    partial: "Respuesta parcial: la cartilla trata el tema, pero no dice exactamente lo que preguntó.",
    startDiagnosis: "Comenzar el autodiagnóstico",
    more: "Ver más",
    moreQuestion: "Explícame más",
    useful: "¿Le sirvió esta respuesta?",
    up: "Sí, me sirvió",
    down: "No me sirvió",
    thanks: "¡Gracias por su opinión!",
    network: "No pude conectar con el asesor. Revise su conexión e intente de nuevo.",
    passage: "Pasaje citado",
    closePassage: "Cerrar el pasaje",
    section: "Sección",
    progress: "Progreso del autodiagnóstico",
    back: "Atrás",
    skip: "Saltar",
    help: "¿Qué significa?",
    exit: "Volver al chat",
    restart: "Empezar de nuevo",
    result: "Resultado del autodiagnóstico",
    level: "Nivel de madurez: ",
    score: function (r) { return "Puntaje: " + r.total + " de " + r.max_total + " (" + pct(r.percent) + ")"; },
    areas: "Avance por área",
    recs: "Recomendaciones principales",
    source: "Fuente: ",
    chartAlt: "Gráfico de radar del avance por área: ",
    fullReport: "Ver el informe completo",
    pdf: "Descargar el informe en PDF",
    noRecs: "¡Felicitaciones! Todas las prácticas se han ejecutado en forma completa.",
    newTab: " (se abre en una pestaña nueva)"
  };

  // Helpers -----------------------------------------------------------------------------------
  function pickColor(value, fallback) { return value && HEX.test(value.trim()) ? value.trim() : fallback; }
  function pct(value) { return Number(value).toLocaleString("es-CO", { maximumFractionDigits: 1 }) + " %"; }
  function textOn(hex) {
    var h = hex.length === 4 ? hex.replace(/#(.)(.)(.)/, "#$1$1$2$2$3$3") : hex;
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(h.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] > 0.18 ? "#111111" : "#ffffff";
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function store(name, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(KEY + name);
      if (value === null) window.localStorage.removeItem(KEY + name);
      else window.localStorage.setItem(KEY + name, value);
    } catch (e) { /* storage disabled: the widget still works, it just forgets on reload */ }
    return null;
  }
  function shortSection(section) {
    var parts = String(section).split(" › ");
    return parts.map(function (part, i) {
      if (i < parts.length - 1) {
        var words = part.split(" ");
        return words.length > 2 ? words.slice(0, 2).join(" ") + "…" : part;
      }
      return part.length > 42 ? part.slice(0, 40) + "…" : part;
    }).join(" › ");
  }
  function request(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data && data.error && data.error.message) || T.network);
          error.status = response.status;
          throw error;
        }
        return data;
      });
    }, function () { throw new Error(T.network); });
  }

  // Styles ------------------------------------------------------------------------------------
  var CSS = [
    ":host{all:initial}",
    ".w{all:initial;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:15px;line-height:1.45;color:#1d1d1f;",
    "--c:" + COLOR + ";--on-c:" + textOn(COLOR) + ";--a:" + ACCENT + ";--on-a:" + textOn(ACCENT) + "}",
    ".w *,.w *::before,.w *::after{box-sizing:border-box;font-family:inherit;letter-spacing:normal;text-transform:none}",
    "button,input,textarea{font:inherit;color:inherit}",
    "button{cursor:pointer;border:1px solid transparent;border-radius:8px;padding:8px 12px;background:#eef1f4;color:#1d1d1f;text-align:left}",
    "button:hover{filter:brightness(0.95)}button:disabled{cursor:not-allowed;opacity:.55}",
    "button:focus-visible,a:focus-visible,textarea:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--a);outline-offset:2px}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;padding:12px 18px;border-radius:999px;",
    "background:var(--c);color:var(--on-c);box-shadow:0 4px 16px rgba(0,0,0,.25);font-weight:600}",
    ".launcher svg{width:22px;height:22px;fill:currentColor}",
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:400px;max-width:calc(100vw - 40px);height:640px;max-height:calc(100vh - 40px);",
    "display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 8px 32px rgba(0,0,0,.3);overflow:hidden}",
    ".panel[hidden],.launcher[hidden],[hidden]{display:none!important}",
    ".head{display:flex;align-items:flex-start;gap:8px;padding:12px 14px;background:var(--c);color:var(--on-c)}",
    ".head h2{margin:0;font-size:16px;font-weight:700}.head p{margin:2px 0 0;font-size:12.5px;opacity:.92}",
    ".head .x{margin-left:auto;background:transparent;color:var(--on-c);font-size:20px;line-height:1;padding:4px 10px;border:1px solid currentColor}",
    ".body{flex:1;overflow-y:auto;padding:12px 14px;background:#f7f8fa}",
    ".msg{margin:0 0 10px;padding:10px 12px;border-radius:12px;max-width:92%;white-space:normal;word-wrap:break-word;overflow-wrap:anywhere}",
    ".msg p{margin:0 0 6px}.msg p:last-child{margin-bottom:0}.msg ul{margin:4px 0 6px;padding-left:20px}",
    ".msg.user{margin-left:auto;background:var(--c);color:var(--on-c);white-space:pre-wrap}",
    ".msg.bot{background:#fff;border:1px solid #dde1e6}.msg.error{background:#fff4f4;border:1px solid #e0a1a1;color:#7a1010}",
    ".sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}",
    ".label{display:block;margin:8px 0 4px;font-size:12.5px;font-weight:600;color:#4a4f55}",
    ".msg .chips{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 0;padding:0;list-style:none}",
    ".chip{font-size:13px;padding:5px 10px;border-radius:999px;background:#eef4f7;border:1px solid #c6d3dc;color:#0d3b4f}",
    ".sugg{display:flex;flex-direction:column;gap:6px;margin:6px 0 12px}.sugg button{background:#fff;border:1px solid #c6d3dc;color:#0d3b4f}",
    ".fb{display:flex;align-items:center;gap:6px;margin-top:8px;font-size:12.5px;color:#4a4f55}",
    ".fb button{display:inline-flex;padding:5px 9px;background:#fff;border:1px solid #c6d3dc;color:#0d3b4f}.fb svg{width:16px;height:16px;fill:currentColor}.fb button[aria-disabled=true]{cursor:default}",
    ".fb button[aria-pressed=true]{background:var(--a);color:var(--on-a)}",
    ".badge{display:inline-block;margin:0 0 6px;padding:2px 8px;border-radius:6px;background:#fff4dc;border:1px solid #e5c27a;color:#5a3d00;font-size:12.5px}",
    ".act{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}.act .go{background:var(--a);color:var(--on-a);font-weight:600}",
    ".act .more{background:#fff;border:1px solid var(--c);color:#0d3b4f}",
    ".fbr{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}.fbr .chip[aria-pressed=true]{background:var(--a);color:var(--on-a)}.fbr input{flex:1 1 100%;padding:6px 8px;border:1px solid #9aa5b1;border-radius:6px}",
    ".dxp{display:flex;flex-wrap:wrap;gap:6px;padding:8px 0;border:0;background:transparent}.dxp p{flex:1 1 100%;margin:0}.dxp input{flex:1;min-width:120px;padding:6px 8px;border:1px solid #9aa5b1;border-radius:6px}",
    ".start{width:100%;margin:0 0 12px;background:var(--a);color:var(--on-a);font-weight:600;text-align:center}",
    "form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #dde1e6;background:#fff;margin:0}",
    "textarea{flex:1;resize:none;min-height:42px;max-height:120px;padding:9px 10px;border:1px solid #9aa5b1;border-radius:8px;background:#fff;color:#1d1d1f}",
    "form button{background:var(--c);color:var(--on-c);font-weight:600}",
    ".privacy{margin:0;padding:6px 12px 10px;font-size:11.5px;color:#4a4f55;background:#fff}",
    ".privacy button{margin-left:4px;padding:2px 6px;font-size:11.5px;background:#fff;border:1px solid #9aa5b1;color:#0d3b4f}",
    ".cite{position:absolute;inset:0;z-index:2;display:flex;flex-direction:column;background:#fff}",
    ".cite .ct{display:flex;align-items:center;gap:8px;padding:12px 14px;border-bottom:1px solid #dde1e6}",
    ".cite h3{margin:0;font-size:15px}.cite .cs{margin:0 0 8px;font-weight:600;color:#0d3b4f}.cite .cb{flex:1;overflow-y:auto;padding:12px 14px;white-space:pre-wrap}",
    ".cite .ct button{margin-left:auto}",
    ".bar{height:10px;background:#e3e7eb;border-radius:999px;overflow:hidden;margin:6px 0}.bar>span{display:block;height:100%;background:var(--c)}",
    ".dx h3{font-size:16px;margin:8px 0}.dx .area{font-size:12.5px;font-weight:600;color:#4a4f55;text-transform:uppercase}",
    ".dx .help{background:#fff;border-left:4px solid var(--a);padding:8px 10px;margin:8px 0}",
    ".opts{display:flex;flex-direction:column;gap:8px;margin:12px 0}.opts button{background:#fff;border:1px solid var(--c);color:#1d1d1f}",
    ".nav{display:flex;flex-wrap:wrap;gap:8px}.notice{color:#7a1010}",
    ".dx img{max-width:100%;height:auto;display:block;margin:8px auto;background:#fff}",
    ".dx ul{padding-left:20px}.dx li{margin-bottom:6px}.dx a{color:#0b4a63}.small{font-size:12.5px;color:#4a4f55}",
    "@media (max-width:480px){.panel{inset:0;right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}",
    ".launcher{right:12px;bottom:12px}}"
  ].join("\n");

  // Build the shell ---------------------------------------------------------------------------
  var host = el("div", { id: "asesor-rcc", "data-asesor": "rcc" });
  var shadow = host.attachShadow({ mode: "open" });
  if (shadow.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el("style", { text: CSS }));
  }
  var root = el("div", { "class": "w" });
  shadow.appendChild(root);

  var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  icon.appendChild(path);
  var launcher = el("button", { "class": "launcher", type: "button", "aria-label": T.launcher, "aria-expanded": "false",
    "aria-controls": "rcc-panel" }, [icon, el("span", { text: T.launcherText, "aria-hidden": "true" })]);

  var closeBtn = el("button", { "class": "x", type: "button", "aria-label": T.close, text: "×" });
  var head = el("div", { "class": "head" }, [
    el("div", {}, [el("h2", { id: "rcc-title", text: T.title }), el("p", { text: T.subtitle })]), closeBtn]);
  var body = el("div", { "class": "body" });
  var chat = el("div", { "class": "chat" });
  var log = el("div", { role: "log", "aria-live": "polite", "aria-label": "Conversación con el asesor" });
  var startBtn = el("button", { "class": "start", type: "button", text: T.diagnosis });
  var dx = el("div", { "class": "dx", hidden: true });
  chat.appendChild(startBtn);
  chat.appendChild(log);
  body.appendChild(chat);
  body.appendChild(dx);
  var input = el("textarea", { id: "rcc-q", rows: "1", maxlength: "1000", placeholder: T.placeholder, "aria-label": T.inputLabel });
  var sendBtn = el("button", { type: "submit", text: T.send });
  var form = el("form", { "aria-label": "Hacer una pregunta" }, [input, sendBtn]);
  var forgetBtn = el("button", { type: "button", "class": "forget", text: T.forget });
  var privacy = el("p", { "class": "privacy" }, [document.createTextNode(T.privacy + " "), forgetBtn]);
  var panel = el("div", { "class": "panel", id: "rcc-panel", role: "dialog", "aria-labelledby": "rcc-title", hidden: true },
    [head, body, form, privacy]);
  root.appendChild(launcher);
  root.appendChild(panel);

  var busy = false;
  var greeted = false;
  var lastChip = null;

  // Open / close ------------------------------------------------------------------------------
  function open(focus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    store("open", "1");
    if (!greeted) greet();
    if (focus) (dx.hidden ? input : (dx.querySelector("[tabindex='-1']") || dx)).focus();
  }
  function close() {
    closePassage(false);
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    store("open", null);
    launcher.focus();
  }
  launcher.addEventListener("click", function () { open(true); });
  closeBtn.addEventListener("click", close);
  function onEscape(event) {
    if (event.key !== "Escape" || panel.hidden) return;
    event.stopPropagation();
    if (panel.querySelector(".cite")) closePassage(true); else close();
  }
  panel.addEventListener("keydown", onEscape);
  document.addEventListener("keydown", function (event) {
    // Focus can fall back to <body> (e.g. a pressed button got disabled): Escape still closes.
    if (document.activeElement === document.body) onEscape(event);
  });

  // Chat --------------------------------------------------------------------------------------
  function greet() {
    greeted = true;
    var box = el("div", { "class": "msg bot" }, [el("p", { text: T.greeting })]);
    log.appendChild(box);
    request("GET", "/api/suggestions").then(function (data) {
      var list = el("div", { "class": "sugg", role: "group", "aria-label": T.suggestionsLabel });
      (data.suggestions || []).forEach(function (q) {
        list.appendChild(el("button", { type: "button", text: q, onclick: function () { ask(q); } }));
      });
      box.appendChild(list);
    }, function () { /* suggestions are optional */ });
  }

  function addMessage(kind, text) {
    var node = el("div", { "class": "msg " + kind });
    node.appendChild(el("span", { "class": "sr", text: (kind === "user" ? T.you : T.bot) + ": " }));
    if (text) node.appendChild(document.createTextNode(text));
    log.appendChild(node);
    body.scrollTop = body.scrollHeight;
    return node;
  }

  function renderText(container, text) {
    var list = null;
    String(text).split("\n").forEach(function (line) {
      var item = /^\s*[-•]\s+(.*)$/.exec(line);
      if (item) {
        if (!list) { list = el("ul"); container.appendChild(list); }
        list.appendChild(el("li", { text: item[1] }));
      } else if (line.trim()) {
        list = null;
        container.appendChild(el("p", { text: line }));
      }
    });
  }

  // Each kind of turn (answer.kind) shows what the user can do next: a partial answer says so, a
  // diagnosis offer has its start button, small talk its starter questions, a shortened answer
  // (answer.more) a «Ver más» that asks «Explícame más» in the same conversation.
  function renderAnswer(node, answer) {
    var kind = answer.kind || "answer";
    node.textContent = "";
    node.setAttribute("data-kind", kind);
    node.appendChild(el("span", { "class": "sr", text: T.bot + ": " }));
    if (kind === "partial") node.appendChild(el("p", { "class": "badge", text: T.partial }));
    renderText(node, answer.answer);
    if (answer.citations && answer.citations.length) {
      node.appendChild(el("span", { "class": "label", text: T.sources }));
      var chips = el("ul", { "class": "chips", "aria-label": T.sources });
      answer.citations.forEach(function (c) {
        var chip = el("button", { type: "button", "class": "chip", text: "[" + c.n + "] " + shortSection(c.section),
          "aria-label": "Cita " + c.n + ": " + c.section + ". Ver el pasaje", title: c.section });
        chip.addEventListener("click", function () { openPassage(c, chip); });
        chips.appendChild(el("li", {}, [chip]));
      });
      node.appendChild(chips);
    }
    var actions = el("div", { "class": "act" });
    if (answer.more) {
      actions.appendChild(el("button", { type: "button", "class": "more", text: T.more,
        onclick: function () { ask(T.moreQuestion); } }));
    }
    if (kind === "diagnosis_offer") {
      actions.appendChild(el("button", { type: "button", "class": "go", text: T.startDiagnosis,
        onclick: function () { startDiagnosis(true); } }));
    }
    if (actions.childNodes.length) node.appendChild(actions);
    if (answer.suggestions && answer.suggestions.length) {
      var label = kind === "smalltalk" ? T.starters : T.related;
      node.appendChild(el("span", { "class": "label", text: label }));
      var more = el("div", { "class": "sugg", role: "group", "aria-label": label });
      answer.suggestions.forEach(function (q) {
        more.appendChild(el("button", { type: "button", text: q, onclick: function () { ask(q); } }));
      });
      node.appendChild(more);
    }
    if (kind !== "smalltalk" && kind !== "diagnosis_offer") node.appendChild(feedbackRow(answer));
  }

  function feedbackRow(answer) {
    var row = el("div", { "class": "fb", role: "group", "aria-label": T.useful }, [el("span", { text: T.useful })]);
    [["up", T.up], ["down", T.down]].forEach(function (spec) {
      var button = el("button", { type: "button", "aria-label": spec[1], "aria-pressed": "false", title: spec[1] },
        [thumb(spec[0] === "down")]);
      button.addEventListener("click", function () {
        if (row.getAttribute("data-sent")) return;
        row.setAttribute("data-sent", "1"); // aria-disabled, not disabled: keeps the keyboard focus here
        Array.prototype.forEach.call(row.querySelectorAll("button"), function (b) { b.setAttribute("aria-disabled", "true"); });
        button.setAttribute("aria-pressed", "true");
        var send = function (extra) {
          request("POST", "/api/feedback", { rating: spec[0], question: answer.question, answer: answer.answer,
            conversation_id: answer.conversation_id || undefined, reason: extra.reason, comment: extra.comment }).then(function () {
            row.appendChild(el("span", { text: T.thanks, role: "status" }));
          }, function (error) { row.appendChild(el("span", { text: error.message, role: "status" })); });
        };
        if (spec[0] === "down") downReason(row, send); else send({});
      });
      row.appendChild(button);
    });
    return row;
  }

  function thumb(down) { // an SVG icon: emoji fonts are missing on some systems
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var p = document.createElementNS("http://www.w3.org/2000/svg", "path");
    p.setAttribute("d", "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
      "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z");
    if (down) p.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(p);
    return svg;
  }

  function parseEvents(buffer, onEvent) {
    var blocks = buffer.split("\n\n");
    var rest = blocks.pop();
    blocks.forEach(function (block) {
      var name = "message", data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    });
    return rest;
  }

  function ask(question) {
    question = String(question || "").trim();
    if (!question || busy) return;
    busy = true;
    sendBtn.disabled = true;
    addMessage("user", question);
    var node = addMessage("bot", "");
    node.setAttribute("aria-busy", "true");
    var live = el("span", { text: T.thinking, "class": "small" });
    node.appendChild(live);
    var payload = { question: question };
    var conversation = store("conversation");
    if (conversation) payload.conversation_id = conversation;
    var streamed = "";
    var final = null;
    // perf (issue 19): a busy server answers 503 + Retry-After at once; wait it out and retry once.
    function post(retry) {
      return fetch(API + "/api/ask/stream", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        body: JSON.stringify(payload) }).then(function (response) {
        var after = parseInt(response.headers.get("Retry-After"), 10);
        if (response.status !== 503 || !retry || !(after >= 0)) return response;
        live.textContent = T.retrying;
        return new Promise(function (resolve) { setTimeout(resolve, Math.min(after, 30) * 1000); })
          .then(function () { live.textContent = T.thinking; return post(false); });
      });
    }
    post(true).then(function (response) {
      if (!response.ok || !response.body) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          throw new Error((data.error && data.error.message) || T.network);
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder("utf-8");
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer = parseEvents(buffer + decoder.decode(chunk.value, { stream: true }), function (name, data) {
            if (name === "token") {
              if (!streamed) live.textContent = "";
              streamed += data.text;
              live.textContent = streamed;
              body.scrollTop = body.scrollHeight;
            } else if (name === "answer") {
              final = data;
            }
          });
          return pump();
        });
      }
      return pump();
    }, function () { throw new Error(T.network); }).then(function () {
      if (!final) throw new Error(T.network);
      if (final.conversation_id) store("conversation", final.conversation_id);
      renderAnswer(node, final);
    }).catch(function (error) {
      node.className = "msg error";
      node.textContent = "";
      node.appendChild(el("span", { "class": "sr", text: T.bot + ": " }));
      node.appendChild(document.createTextNode(error.message || T.network));
    }).then(function () {
      node.removeAttribute("aria-busy");
      busy = false;
      sendBtn.disabled = false;
      body.scrollTop = body.scrollHeight;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  // Citation panel ----------------------------------------------------------------------------
  function openPassage(citation, chip) {
    closePassage(false);
    lastChip = chip;
    var heading = el("h3", { id: "rcc-cite-title", text: T.passage + " [" + citation.n + "]", tabindex: "-1" });
    var closer = el("button", { type: "button", text: T.closePassage, onclick: function () { closePassage(true); } });
    var section = el("p", { "class": "cs", text: T.section + ": " + citation.section });
    var text = el("div", { "class": "cb" }, [section, document.createTextNode(citation.text || "")]);
    var layer = el("div", { "class": "cite", role: "region", "aria-labelledby": "rcc-cite-title" },
      [el("div", { "class": "ct" }, [heading, closer]), text]);
    panel.appendChild(layer);
    heading.focus();
    if (citation.id) {
      request("GET", "/api/passages/" + encodeURIComponent(citation.id)).then(function (p) {
        section.textContent = T.section + ": " + p.section;
        text.lastChild.textContent = p.text;
      }, function () { /* the citation already carries its text */ });
    }
  }
  function closePassage(restoreFocus) {
    var layer = panel.querySelector(".cite");
    if (!layer) return;
    layer.remove();
    if (restoreFocus && lastChip) lastChip.focus();
  }

  // Self-diagnosis ----------------------------------------------------------------------------
  // Privacy: delete this visitor's data (DELETE routes; the ids are the authority) -------------
  function forgetMe() {
    if (!window.confirm(T.forgetConfirm)) return;
    var gone = function (error) { if (error.status !== 404) throw error; };
    var work = [];
    if (store("conversation")) work.push(request("DELETE", "/api/conversations/" + encodeURIComponent(store("conversation"))).catch(gone));
    if (store("diagnosis")) work.push(request("DELETE", "/api/diagnosis/" + encodeURIComponent(store("diagnosis"))).catch(gone));
    Promise.all(work).then(function () {
      ["conversation", "diagnosis", "dxdone", "view"].forEach(function (name) { store(name, null); });
      log.textContent = "";
      showDiagnosis(false);
      updateStartLabel();
      addMessage("bot", T.forgotten);
    }, function (error) { addMessage("bot", error.message || T.network); });
  }
  forgetBtn.addEventListener("click", forgetMe);

  function showDiagnosis(visible) {
    dx.hidden = !visible;
    chat.hidden = visible;
    form.hidden = visible;
    store("view", visible ? "dx" : null);
  }

  function dxCall(method, suffix, payload) {
    var id = store("diagnosis");
    return request(method, "/api/diagnosis/" + encodeURIComponent(id) + suffix, payload);
  }

  function startDiagnosis(focus) {
    var id = store("diagnosis");
    showDiagnosis(true);
    var work = id ? dxCall("GET", "").catch(function (error) {
      if (error.status === 404) { store("diagnosis", null); return request("POST", "/api/diagnosis"); }
      throw error;
    }) : request("POST", "/api/diagnosis");
    work.then(function (state) { renderState(state, null, focus !== false); }, dxError);
  }
  startBtn.addEventListener("click", function () { startDiagnosis(true); });

  function dxError(error) {
    dx.textContent = "";
    dx.appendChild(el("p", { "class": "msg error", role: "alert", text: error.message || T.network }));
    dx.appendChild(el("button", { type: "button", text: T.exit, onclick: leaveDiagnosis }));
  }
  function leaveDiagnosis() {
    showDiagnosis(false);
    updateStartLabel();
    input.focus();
  }
  function updateStartLabel(state) {
    var inProgress = store("diagnosis") && store("dxdone") !== "1";
    startBtn.textContent = inProgress ? T.diagnosisContinue + (state ? " (" + state.progress.toLowerCase() + ")" : "") : T.diagnosis;
  }

  function renderState(state, message, focus) {
    store("diagnosis", state.id);
    store("dxdone", state.finished ? "1" : null);
    dx.textContent = "";
    var exit = el("button", { type: "button", text: T.exit, onclick: leaveDiagnosis });
    if (state.finished && state.result) {
      renderResult(state, exit);
    } else {
      renderQuestion(state, message, exit);
    }
    updateStartLabel(state);
    var heading = dx.querySelector("h3");
    if (focus && heading) heading.focus();
  }

  function renderQuestion(state, message, exit) {
    var q = state.question;
    var bar = el("div", { "class": "bar", role: "progressbar", "aria-label": T.progress, "aria-valuemin": "0",
      "aria-valuemax": String(state.total || TOTAL), "aria-valuenow": String(state.answered),
      "aria-valuetext": state.answered + " de " + (state.total || TOTAL) + " respondidas" }, [el("span")]);
    bar.firstChild.style.width = Math.round(100 * state.answered / (state.total || TOTAL)) + "%";
    var helpText = el("p", { "class": "help", id: "rcc-help", hidden: true, text: q.help });
    var helpBtn = el("button", { type: "button", text: T.help, "aria-expanded": "false", "aria-controls": "rcc-help" });
    helpBtn.addEventListener("click", function () {
      helpText.hidden = !helpText.hidden;
      helpBtn.setAttribute("aria-expanded", helpText.hidden ? "false" : "true");
    });
    var opts = el("div", { "class": "opts", role: "group", "aria-label": "Opciones de respuesta" });
    q.options.forEach(function (option) {
      opts.appendChild(el("button", { type: "button", text: option.label, "data-value": option.value,
        onclick: function () { act("POST", "/answer", { answer: option.value }); } }));
    });
    var back = el("button", { type: "button", text: T.back, disabled: q.index <= 1,
      onclick: function () { act("POST", "/back"); } });
    var skip = el("button", { type: "button", text: T.skip, onclick: function () { act("POST", "/skip"); } });
    var live = el("div", { "aria-live": "polite" }, [el("p", { "class": "small", text: state.progress })]);
    if (message) live.appendChild(el("p", { "class": "notice", text: message }));
    [bar, live, el("p", { "class": "area", text: q.practice }),
      el("h3", { tabindex: "-1", text: q.text }), helpBtn, helpText, opts,
      el("div", { "class": "nav" }, [back, skip, exit])].forEach(function (n) { dx.appendChild(n); });
    dx.appendChild(handoffBlock());
  }

  // Hand-off: continue this diagnosis in Telegram or WhatsApp (a single-use code, 30 minutes) ----
  var H = {
    offer: "Continuar en el celular",
    telegram: "Continuar en Telegram",
    whatsapp: "Continuar en WhatsApp",
    code: function (c) { return "O escriba este código en el chat del asesor: " + c + " (vale 30 minutos, una sola vez)."; }
  };
  function handoffBlock() {
    var box = el("div", { "class": "handoff small", "aria-live": "polite" });
    var offer = el("button", { type: "button", text: H.offer });
    offer.addEventListener("click", function () {
      offer.disabled = true;
      dxCall("POST", "/handoff").then(function (made) {
        box.textContent = "";
        var links = el("div", { "class": "nav" });
        if (made.telegram_url) links.appendChild(el("a", { href: made.telegram_url, target: "_blank", rel: "noopener",
          "class": "to-telegram", text: H.telegram, "aria-label": H.telegram + T.newTab }));
        if (made.whatsapp_url) links.appendChild(el("a", { href: made.whatsapp_url, target: "_blank", rel: "noopener",
          "class": "to-whatsapp", text: H.whatsapp, "aria-label": H.whatsapp + T.newTab }));
        box.appendChild(links);
        box.appendChild(el("p", { text: H.code(made.code) }));
      }, function (error) {
        offer.disabled = false;
        box.appendChild(el("p", { "class": "notice", role: "alert", text: error.message || T.network }));
      });
    });
    box.appendChild(offer);
    return box;
  }

  function act(method, suffix, payload) {
    Array.prototype.forEach.call(dx.querySelectorAll("button"), function (b) { b.disabled = true; });
    dxCall(method, suffix, payload).then(function (data) {
      renderState(data, data.accepted === false ? data.message : null, true);
    }, dxError);
  }

  function renderResult(state, exit) {
    var r = state.result;
    var report = API + "/api/diagnosis/" + encodeURIComponent(state.id) + "/report?format=";
    dx.appendChild(el("h3", { tabindex: "-1", text: T.result }));
    dx.appendChild(el("p", {}, [el("strong", { text: T.level + r.level.name })]));
    dx.appendChild(el("p", { text: r.level.meaning }));
    dx.appendChild(el("p", { text: T.score(r) }));
    dx.appendChild(el("h4", { text: T.areas }));
    var areas = el("ul");
    r.areas.forEach(function (a) {
      areas.appendChild(el("li", { text: a.name + ": " + a.score + " de " + a.max + " (" + pct(a.percent) + ")" }));
    });
    dx.appendChild(areas);
    var alt = T.chartAlt + r.areas.map(function (a) { return a.name + ", " + pct(a.percent); }).join("; ");
    dx.appendChild(el("img", { src: report + "png", alt: alt, width: "360", height: "360" }));
    dx.appendChild(el("h4", { text: T.recs }));
    var recs = el("ol");
    r.recommendations.slice(0, 3).forEach(function (item) {
      recs.appendChild(el("li", {}, [
        el("p", {}, [el("strong", { text: "Práctica " + item.practice + ". " }), document.createTextNode(item.text)]),
        el("p", { "class": "small", text: T.source + item.section })]));
    });
    if (!r.recommendations.length) recs.appendChild(el("li", { text: T.noRecs }));
    dx.appendChild(recs);
    dx.appendChild(el("p", {}, [el("a", { href: report + "html", target: "_blank", rel: "noopener",
      text: T.fullReport, "aria-label": T.fullReport + T.newTab })]));
    dx.appendChild(el("p", {}, [el("a", { href: report + "pdf", target: "_blank", rel: "noopener",
      text: T.pdf, "aria-label": T.pdf + T.newTab })]));
    dx.appendChild(profileForm(state.id)); // optional department and sector (staff console)
    dx.appendChild(el("div", { "class": "nav" }, [
      el("button", { type: "button", text: T.restart, onclick: function () { act("POST", "/restart"); } }), exit]));
  }

  // 👎 reason and the diagnosis profile (staff console, issue 20) ----------------------------------
  // Both optional: «Omitir» sends the vote without a reason; the profile can be left empty.
  var FB = { why: "¿Qué falló? (opcional)", other: "Cuéntenos en pocas palabras (opcional)", send: "Enviar",
    skip: "Omitir", reasons: [["no_respondio", "No respondió mi pregunta"], ["cita_equivocada", "Cita equivocada"],
      ["muy_larga", "Muy larga"], ["confusa", "Difícil de entender"]],
    profile: "Opcional y anónimo: ¿dónde trabaja su iniciativa? Nos ayuda a comparar regiones y sectores.",
    department: "Departamento", sector: "Sector", save: "Guardar", saved: "¡Gracias! Quedó guardado." };
  function downReason(row, send) {
    var chosen = null;
    var panel = el("div", { "class": "fbr", role: "group", "aria-label": FB.why }, [el("span", { "class": "small", text: FB.why })]);
    FB.reasons.forEach(function (r) {
      var chip = el("button", { type: "button", "class": "chip", "aria-pressed": "false", "data-reason": r[0], text: r[1] });
      chip.addEventListener("click", function () {
        chosen = chosen === r[0] ? null : r[0];
        Array.prototype.forEach.call(panel.querySelectorAll("[data-reason]"), function (b) {
          b.setAttribute("aria-pressed", b.getAttribute("data-reason") === chosen ? "true" : "false");
        });
      });
      panel.appendChild(chip);
    });
    var text = el("input", { type: "text", maxlength: "300", "aria-label": FB.other, placeholder: FB.other });
    var done = function (withReason) {
      var comment = text.value.trim();
      panel.parentNode.removeChild(panel);
      send(withReason ? { reason: chosen || (comment ? "otro" : undefined), comment: comment || undefined } : {});
    };
    panel.appendChild(text);
    panel.appendChild(el("div", { "class": "nav" }, [el("button", { type: "button", "class": "fbsend", text: FB.send,
      onclick: function () { done(true); } }), el("button", { type: "button", text: FB.skip, onclick: function () { done(false); } })]));
    row.parentNode.insertBefore(panel, row.nextSibling);
    panel.querySelector("[data-reason]").focus();
  }
  function profileForm(diagnosisId) {
    var form = el("form", { "class": "dxp", "aria-label": FB.profile }, [el("p", { "class": "small", text: FB.profile })]);
    var fields = {};
    [["department", FB.department], ["sector", FB.sector]].forEach(function (f) {
      fields[f[0]] = el("input", { type: "text", name: f[0], maxlength: "64", "aria-label": f[1], placeholder: f[1] });
      form.appendChild(fields[f[0]]);
    });
    form.appendChild(el("button", { type: "submit", text: FB.save }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      request("POST", "/api/diagnosis/" + encodeURIComponent(diagnosisId) + "/perfil", {
        department: fields.department.value.trim() || undefined, sector: fields.sector.value.trim() || undefined
      }).then(function () { form.textContent = ""; form.appendChild(el("p", { role: "status", text: FB.saved })); },
        function (error) { form.appendChild(el("p", { role: "status", text: error.message })); });
    });
    return form;
  }

  // Start -------------------------------------------------------------------------------------
  function mount() {
    document.body.appendChild(host);
    updateStartLabel();
    if (store("open") === "1") {
      open(false);
      if (store("view") === "dx" && store("diagnosis")) startDiagnosis(false);
    }
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
