// The control room (#control), for admin listeners: the household's health,
// its devices (and revoking one), pairing a new device with an invite's QR
// code, the policy, and imports with their progress. Everything comes from
// the JSON API's control-room calls (docs/api.md, "Control room").
"use strict";

const human = (bytes) => {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) { bytes /= 1000; i++; }
  return `${bytes.toFixed(i && bytes < 10 ? 1 : 0)} ${units[i]}`;
};
const jsonBody = (method, body) => ({ method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function healthSummary(h) {
  const problems = [
    [h.under_replicated, "below their copies", h.under_replicated_tracks],
    [h.only_away, "whose only copies are on devices that are away", h.only_away_tracks],
    [h.no_copy, "with no copy on any device", h.no_copy_tracks],
    [h.damaged, "damaged here, being repaired", h.damaged_tracks],
  ].filter(([n]) => n > 0);
  const head = el("p", { id: "health-line", class: problems.length ? "warn" : "ok" },
    `${h.tracks} track(s), copies=${h.copies}: ` +
    (problems.length ? problems.map(([n, what]) => `${n} ${what}`).join("; ") : "every track has its copies"));
  const lists = problems.map(([n, what, tracks]) => el("details", {}, el("summary", {}, `${n} track(s) ${what}`),
    el("ul", {}, ...tracks.map((t) => el("li", {}, `${t.title || t.blob.slice(0, 12)}${t.artist ? " — " + t.artist : ""}`,
      el("span", { class: "sub" }, ` · held by ${t.holders.join(", ") || "nobody"}`))))));
  const few = h.replica_devices < h.copies
    ? [el("p", { class: "warn" }, `Only ${h.replica_devices} full or storage device(s) for copies=${h.copies}: each track can have at most ${h.replica_devices}.`)] : [];
  const room = h.lacks_room ? [el("p", { class: "warn" }, `No room for ${h.lacks_room.blobs} track(s) (${human(h.lacks_room.bytes)}) at copies=${h.copies}.`)] : [];
  return [head, ...few, ...room, ...lists];
}

function deviceRows(h, refresh) {
  return h.devices.map((d) => {
    const reached = d.this_device ? "this device" : d.online
      ? `${d.path || "online"}${d.via ? " via " + d.via : ""}${d.address ? " · " + d.address : ""}`
      : d.last_seen ? `away since ${d.last_seen.replace("T", " ").replace("Z", "")}` : "never seen";
    const revoke = d.this_device ? "" : el("button", { type: "button", class: "revoke", onclick: async (e) => {
      if (!confirm(`Revoke ${d.name}? It is cut off from the household and cannot join again.`)) return;
      e.target.disabled = true;
      try {
        const r = await api(`devices/${d.id}/revoke`, jsonBody("POST", {}));
        e.target.textContent = `revoked${r.listeners_rotated ? `; ${r.listeners_rotated} listener key(s) replaced` : ""}`;
        refresh();
      } catch (err) { e.target.textContent = err.message; }
    } }, "Revoke");
    return el("tr", { class: "device", "data-device": d.id, "data-name": d.name },
      el("td", {}, d.name, d.admin ? el("span", { class: "sub" }, " admin") : ""), el("td", {}, d.role),
      el("td", { class: d.online ? "online" : "away" }, d.online ? "online" : "away"), el("td", {}, reached),
      el("td", {}, `${d.held_blobs} · ${human(d.held_bytes)}`),
      el("td", {}, d.room === null ? (d.capacity === null ? "—" : `cap ${human(d.capacity)}`)
        : `${human(d.room)}${d.capacity === null ? "" : ` (cap ${human(d.capacity)})`}${d.disk_full ? " · disk full" : ""}`),
      el("td", {}, revoke));
  });
}

function inviteForm() {
  const role = el("select", { id: "invite-role", "aria-label": "Role of the new device" },
    ...["phone", "full", "storage"].map((r) => el("option", { value: r }, r)));
  const out = el("div", { id: "invite-out" });
  const make = el("button", { type: "button", id: "invite-make", onclick: async () => {
    try {
      const inv = await api("invites", jsonBody("POST", { role: role.value }));
      out.replaceChildren(
        el("img", { id: "invite-qr", alt: "Invite QR code", width: "240", height: "240",
          src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(inv.qr_svg) }),
        el("p", {}, "On the new device: scan this, or run"), el("pre", { id: "invite-code" }, inv.join),
        el("p", { class: "sub" }, `One time, for a ${inv.role} device, until ${inv.expires.replace("T", " ")}.`));
    } catch (err) { out.replaceChildren(el("p", { class: "error" }, err.message)); }
  } }, "Make an invite");
  return [el("h3", {}, "Pair a device"), el("p", {}, "Role ", role, " ", make), out];
}

function policyForm(policy, h, refresh) {
  const copies = el("input", { type: "number", min: "1", max: "16", value: policy.copies, id: "policy-copies" });
  const limit = el("input", { type: "number", min: "0", max: "1000", value: policy.stream_limit, id: "policy-streams" });
  const sizeOf = (list, id) => (list.find((e) => e.device === id) || {}).bytes || 0;
  const sized = h.devices.filter((d) => !d.this_device || d.role !== "phone").map((d) => {
    const list = d.role === "phone" ? policy.budgets : policy.capacities;
    const input = el("input", { type: "number", min: "0", step: "0.1", value: sizeOf(list, d.id) / 1e9, "data-device": d.id,
      "data-kind": d.role === "phone" ? "budgets" : "capacities", "aria-label": `${d.name} GB` });
    return el("label", { class: "size" }, `${d.name} ${d.role === "phone" ? "cache budget" : "capacity"} (GB, 0: none) `, input);
  });
  const note = el("span", { class: "sub", id: "policy-note" });
  const save = el("button", { type: "button", id: "policy-save", onclick: async () => {
    const body = { copies: Number(copies.value), stream_limit: Number(limit.value), budgets: [], capacities: [] };
    for (const label of sized) {
      const input = label.querySelector("input");
      body[input.dataset.kind].push({ device: input.dataset.device, bytes: Math.round(Number(input.value) * 1e9) });
    }
    try { await api("policy", jsonBody("PUT", body)); note.textContent = "saved"; refresh(); }
    catch (err) { note.textContent = err.message; }
  } }, "Save");
  return [el("h3", {}, "Policy"), el("div", { class: "policy" },
    el("label", {}, "Copies of every track ", copies), el("label", {}, "Streams per owned copy (0: no limit) ", limit),
    ...sized, el("p", {}, save, " ", note))];
}

async function importsSection() {
  const box = el("div", { id: "imports" });
  const { folders } = await api("folders");
  const path = el("select", { id: "import-path", "aria-label": "Folder to import" },
    ...folders.map((f) => el("option", { value: f }, f)));
  const note = el("span", { class: "sub" });
  const start = el("button", { type: "button", id: "import-start", onclick: async () => {
    try { await api("imports", jsonBody("POST", { path: path.value })); note.textContent = ""; show(); }
    catch (err) { note.textContent = err.message; }
  } }, "Import again");
  const list = el("ul");
  async function show() {
    const { imports } = await api("imports");
    list.replaceChildren(...imports.slice().reverse().map((j) => el("li", {},
      `${j.path}: ${j.state} — ${j.filesDone}/${j.files} files, ${human(j.bytesDone)} of ${human(j.bytes)}; ` +
      `${j.imported} new, ${j.matched} matched, ${j.unchanged} unchanged, ${j.failed} failed`,
      j.state === "running" ? el("progress", { max: j.bytes || 1, value: j.bytesDone }) : "")));
    return imports.some((j) => j.state === "running");
  }
  box.append(folders.length ? el("p", {}, path, " ", start, " ", note)
    : el("p", {}, "No folders yet: `hearth import FOLDER` on this device adds one."), list);
  return { box, show };
}

async function viewControl() {
  const health = el("section", { id: "health" });
  const devices = el("tbody");
  const policyBox = el("section", { id: "policy" });
  const { box: imports, show: showImports } = await importsSection();
  async function refresh() {
    const [h, policy] = await Promise.all([api("health"), api("policy")]);
    health.replaceChildren(...healthSummary(h));
    devices.replaceChildren(...deviceRows(h, refresh));
    if (!policyBox.contains(document.activeElement)) policyBox.replaceChildren(...policyForm(policy, h, refresh));
    if (!h.this_device_admin)
      health.append(el("p", { class: "warn" }, "This device is not an admin device: it shows the household but cannot change it."));
  }
  await refresh();
  await showImports();
  // Live while the page shows it: health every 5 s, imports every second while one runs.
  let tick = 0;
  const timer = setInterval(async () => {
    if (location.hash !== "#control" || $("#app").hidden) return clearInterval(timer);
    try {
      const running = await showImports();
      if (++tick % 5 === 0 || running) await refresh();
    } catch { /* shown again at the next tick */ }
  }, 1000);
  return [el("h2", {}, "Control room"), health,
    el("h3", {}, "Devices"), el("div", { class: "scroll" }, el("table", { id: "devices" }, el("thead", {}, el("tr", {},
      ...["Device", "Role", "", "How reached", "Holds", "Room", ""].map((t) => el("th", {}, t)))), devices)),
    ...inviteForm(), policyBox, el("h3", {}, "Imports"), imports];
}
