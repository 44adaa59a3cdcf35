// task-manager-mcp dashboard: reads /api/*, listens to /api/events (server-sent events) and
// redraws. Plain browser JavaScript, no build step, no dependencies. Everything that comes
// from a state file is put on the page as text (textContent), never as HTML.
"use strict";

(() => {
  const STATUSES = ["pending", "in_progress", "completed", "failed", "cancelled"];
  const STATUS_LABEL = { pending: "pending", in_progress: "in progress", completed: "completed", failed: "failed", cancelled: "cancelled" };
  /** Dependency graphs larger than this are not drawn (the tree still lists every task). */
  const MAX_GRAPH_NODES = 300;
  /** Tree rows drawn at most; a filter narrows a larger workflow. */
  const MAX_TREE_ROWS = 2000;

  const state = {
    stateDir: "",
    workflows: [],
    selected: null, // workflow name
    snapshot: null, // the selected workflow, as /api/workflows/NAME returned it
    snapshotError: null,
    taskId: null, // the selected task
    filter: "",
    clockOffset: 0, // server time minus browser time, so countdowns use the server's clock
    connected: false,
    knownIds: null, // ids seen in the previous snapshot of this workflow, to mark new ones
    newIds: new Set(),
  };

  // ---- small DOM helpers -------------------------------------------------------------

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    applyProps(el, props);
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function svg(tag, props, ...children) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    applyProps(el, props);
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function applyProps(el, props) {
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.setAttribute("class", value);
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
  }

  function replace(el, ...children) {
    el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  }

  const $ = (id) => document.getElementById(id);

  // ---- time ------------------------------------------------------------------------------

  const serverNow = () => Date.now() + state.clockOffset;

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
    const hours = Math.floor(m / 60);
    if (hours < 24) return `${hours}h ${String(m % 60).padStart(2, "0")}m`;
    return `${Math.floor(hours / 24)}d ${hours % 24}h`;
  }

  function ago(iso) {
    const at = Date.parse(iso);
    if (Number.isNaN(at)) return "";
    const now = serverNow();
    return at <= now ? `${duration(now - at)} ago` : `in ${duration(at - now)}`;
  }

  /** A lease countdown element; tick() keeps it current every second. */
  function leaseEl(task) {
    if (task.status !== "in_progress") return null;
    if (!task.lease_deadline) return h("span", { class: "lease expired", text: "unknown lease" });
    const el = h("span", { class: "lease", "data-deadline": task.lease_deadline, "data-seconds": task.lease_seconds || "" });
    updateLease(el);
    return el;
  }

  function updateLease(el) {
    const left = Date.parse(el.dataset.deadline) - serverNow();
    const total = Number(el.dataset.seconds) * 1000;
    el.classList.toggle("expired", left <= 0);
    el.classList.toggle("low", left > 0 && total > 0 && left < total * 0.2);
    el.textContent = left <= 0 ? `lease expired ${duration(-left)} ago` : `${duration(left)} left`;
  }

  function sinceEl(iso) {
    const el = h("span", { "data-since": iso });
    el.textContent = ago(iso);
    return el;
  }

  /** A countdown to when a path hold ends (a reservation's end, or its task's lease); tick() keeps it current. */
  function untilEl(iso, prefix) {
    if (!iso) return h("span", { class: "lease muted", text: "-" });
    const el = h("span", { class: "lease", "data-until": iso, "data-prefix": prefix });
    updateUntil(el);
    return el;
  }

  function updateUntil(el) {
    const left = Date.parse(el.dataset.until) - serverNow();
    el.classList.toggle("expired", left <= 0);
    el.textContent = left <= 0 ? `${el.dataset.prefix}ended ${duration(-left)} ago` : `${el.dataset.prefix}${duration(left)} left`;
  }

  function tick() {
    for (const el of document.querySelectorAll("[data-deadline]")) updateLease(el);
    for (const el of document.querySelectorAll("[data-until]")) updateUntil(el);
    for (const el of document.querySelectorAll("[data-since]")) el.textContent = ago(el.dataset.since);
  }

  // ---- data --------------------------------------------------------------------------------

  let workflowsRequest = 0;
  let workflowRequest = 0;

  async function getJson(url) {
    const response = await fetch(url, { cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw Object.assign(new Error(body.error?.message || response.statusText), { code: body.error?.code });
    return body;
  }

  async function loadWorkflows() {
    const mine = ++workflowsRequest;
    const body = await getJson("/api/workflows");
    if (mine !== workflowsRequest) return; // a newer answer is on its way
    state.stateDir = body.state_dir;
    state.workflows = body.workflows;
    state.clockOffset = Date.parse(body.now) - Date.now();
    if (state.selected === null && state.workflows.length > 0) {
      const preferred = state.workflows.find((w) => w.name === "default") || state.workflows[0];
      select(preferred.name, null);
      return;
    }
    renderSidebar();
    if (state.selected === null) renderMain();
  }

  async function loadWorkflow() {
    const name = state.selected;
    if (name === null) return;
    const mine = ++workflowRequest;
    try {
      const snapshot = await getJson(`/api/workflows/${encodeURIComponent(name)}`);
      if (mine !== workflowRequest || name !== state.selected) return;
      state.clockOffset = Date.parse(snapshot.now) - Date.now();
      const ids = new Set(snapshot.tasks.map((t) => t.id));
      state.newIds = state.knownIds === null ? new Set() : new Set([...ids].filter((id) => !state.knownIds.has(id)));
      state.knownIds = ids;
      snapshot.byId = new Map(snapshot.tasks.map((t) => [t.id, t]));
      state.snapshot = snapshot;
      state.snapshotError = null;
    } catch (error) {
      if (mine !== workflowRequest || name !== state.selected) return;
      state.snapshot = null;
      state.snapshotError = error;
    }
    renderMain();
    renderDetail();
  }

  function select(workflow, taskId) {
    const next = `#/w/${encodeURIComponent(workflow)}${taskId ? `/t/${encodeURIComponent(taskId)}` : ""}`;
    if (location.hash !== next) location.hash = next; // hashchange does the rest
    else applyHash();
  }

  function applyHash() {
    const match = /^#\/w\/([^/]+)(?:\/t\/([^/]+))?$/.exec(location.hash);
    let workflow = null;
    let taskId = null;
    try {
      workflow = match ? decodeURIComponent(match[1]) : null;
      taskId = match && match[2] ? decodeURIComponent(match[2]) : null;
    } catch {
      workflow = null;
    }
    const changedWorkflow = workflow !== state.selected;
    state.selected = workflow;
    state.taskId = taskId;
    renderSidebar();
    if (changedWorkflow) {
      state.snapshot = null;
      state.snapshotError = null;
      state.knownIds = null;
      state.newIds = new Set();
      renderMain();
      renderDetail();
      loadWorkflow().catch(showFailure);
    } else {
      renderMain();
      renderDetail();
    }
  }

  function showFailure(error) {
    replace($("main"), h("div", { class: "error-box", text: `Could not load: ${error.message}` }));
  }

  // ---- live updates --------------------------------------------------------------------------

  function setConnected(connected) {
    state.connected = connected;
    $("live").dataset.connected = String(connected);
    $("live-text").textContent = connected ? `live · updated ${new Date().toLocaleTimeString()}` : "reconnecting…";
  }

  function connect() {
    const events = new EventSource("/api/events");
    events.addEventListener("hello", () => {
      setConnected(true);
      // Connected or reconnected: anything may have changed meanwhile.
      loadWorkflows().catch(showFailure);
      loadWorkflow().catch(showFailure);
    });
    events.addEventListener("change", (event) => {
      const { workflows } = JSON.parse(event.data);
      setConnected(true);
      loadWorkflows().catch(showFailure);
      if (state.selected !== null && workflows.includes(state.selected)) loadWorkflow().catch(showFailure);
    });
    events.addEventListener("error", () => setConnected(false));
  }

  // ---- sidebar -------------------------------------------------------------------------------

  function statusBar(counts, total) {
    return h(
      "div",
      { class: "bar", title: STATUSES.map((s) => `${STATUS_LABEL[s]} ${counts[s] || 0}`).join(", ") },
      STATUSES.filter((s) => counts[s] > 0).map((s) => {
        const part = h("span", { class: s });
        part.style.width = `${(100 * counts[s]) / total}%`; // through the CSSOM: the page's CSP allows no inline styles
        return part;
      }),
    );
  }

  function renderSidebar() {
    $("state-dir").textContent = state.stateDir;
    const list = $("workflow-list");
    if (state.workflows.length === 0) {
      replace(list, h("li", { class: "muted", text: "No workflows yet." }));
      return;
    }
    replace(
      list,
      state.workflows.map((w) =>
        h(
          "li",
          null,
          h(
            "button",
            { type: "button", "aria-current": String(w.name === state.selected), "data-workflow": w.name, onclick: () => select(w.name, null) },
            h("div", { class: "wf-name" }, h("span", { text: w.name }), h("span", { class: "muted", text: w.error ? "!" : String(w.total_tasks) })),
            w.error ? h("div", { class: "wf-error", text: w.error.code }) : statusBar(w.status_counts, Math.max(1, w.total_tasks)),
          ),
        ),
      ),
    );
  }

  // ---- main: one workflow --------------------------------------------------------------------

  function renderMain() {
    const main = $("main");
    if (state.selected === null) {
      replace(
        main,
        h("p", { class: "empty muted" }, state.workflows.length === 0 ? "No workflows yet. Create a task with: task-manager-mcp add TYPE" : "Choose a workflow."),
      );
      return;
    }
    if (state.snapshotError) {
      replace(main, h("div", { class: "wf-header" }, h("h1", { text: state.selected })), h("div", { class: "error-box", text: state.snapshotError.message }));
      return;
    }
    const snap = state.snapshot;
    if (!snap) {
      replace(main, h("p", { class: "empty muted", text: "Loading…" }));
      return;
    }
    // Keep what the person typed and where the caret is across redraws.
    const focused = document.activeElement && document.activeElement.id === "task-filter";
    replace(main, header(snap), cards(snap.summary), heldSection(snap), pathsSection(snap), graphSection(snap), treeSection(snap));
    if (focused) {
      const input = $("task-filter");
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
  }

  function header(snap) {
    return h(
      "div",
      { class: "wf-header" },
      h("h1", { text: snap.name }),
      h("span", { class: "muted", text: `${snap.summary.total_tasks} task${snap.summary.total_tasks === 1 ? "" : "s"}` }),
      snap.truncated ? h("span", { class: "badge failed", text: `showing the first ${snap.tasks.length}` }) : null,
    );
  }

  function cards(summary) {
    const c = summary.status_counts;
    const p = summary.pending_counts;
    const card = (status, sub) =>
      h("div", { class: `card ${status}`, "data-status": status }, h("div", { class: "n", text: String(c[status]) }), h("div", { class: "label", text: STATUS_LABEL[status] }), sub ? h("div", { class: "sub" }, sub) : null);
    return h(
      "div",
      { class: "cards" },
      card("pending", `${p.ready} ready · ${p.conflicting ? `${p.conflicting} conflicting · ` : ""}${p.waiting} waiting · ${p.scheduled} scheduled · ${p.blocked} blocked`),
      card("in_progress"),
      card("completed"),
      card("failed"),
      card("cancelled"),
    );
  }

  function taskLink(id, label) {
    return h("button", { type: "button", class: "link mono", onclick: () => select(state.selected, id), text: label || id });
  }

  /** Why a pending task is not claimable yet, as the summary counts it; null when it is ready. */
  function pendingReason(task) {
    if (task.status !== "pending") return null;
    if (task.blocked_by && task.blocked_by.length > 0) return "blocked";
    const byId = state.snapshot ? state.snapshot.byId : new Map();
    if ((task.depends_on || []).some((id) => !byId.has(id) || byId.get(id).status !== "completed")) return "waiting";
    if (task.not_before && Date.parse(task.not_before) > serverNow()) return "scheduled";
    if (task.path_conflicts && task.path_conflicts.length > 0) return "conflicting";
    return null;
  }

  /** "src/auth/** (claude-1, task analyze_…)" for each hold in a pending task's way, once each. */
  function conflictList(conflicts) {
    const seen = new Set();
    const parts = [];
    for (const c of conflicts) {
      const key = `${c.held_path}\u0000${c.held_by}\u0000${c.task_id || ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      parts.push(
        h("span", { class: "conflict" }, h("span", { class: "mono", text: c.held_path }), " (", h("span", { class: "holder", text: c.held_by || "?" }), c.task_id ? [", ", taskLink(c.task_id)] : null, ")"),
      );
    }
    return h("span", null, parts.map((part, i) => [i > 0 ? "; " : null, part]));
  }

  function badge(task) {
    const reason = pendingReason(task);
    if (reason) return h("span", { class: `badge ${reason}`, title: `pending: ${reason}`, text: reason });
    return h("span", { class: `badge ${task.status}`, text: STATUS_LABEL[task.status] || task.status });
  }

  function heldSection(snap) {
    const held = snap.tasks.filter((t) => t.status === "in_progress");
    const body =
      held.length === 0
        ? h("p", { class: "muted", text: "No task is held right now." })
        : h(
            "table",
            { id: "held-table" },
            h("thead", null, h("tr", null, ["Task", "Type", "Holder", "Attempt", "Held for", "Lease"].map((t) => h("th", { text: t })))),
            h(
              "tbody",
              null,
              held.map((t) =>
                h(
                  "tr",
                  { "data-task": t.id },
                  h("td", null, taskLink(t.id)),
                  h("td", { text: t.type }),
                  h("td", { class: "holder", text: t.locked_by || "?" }),
                  h("td", { class: "num", text: String(t.attempts) }),
                  h("td", null, t.locked_at ? sinceEl(t.locked_at) : ""),
                  h("td", null, leaseEl(t)),
                ),
              ),
            ),
          );
    return h("section", { class: "section" }, h("div", { class: "section-head" }, h("h3", { text: `Held now (${held.length})` })), body);
  }

  /** Who holds which paths until when, and the ready tasks that wait for them; shown once the workflow uses paths. */
  function pathsSection(snap) {
    const holds = snap.path_holds || [];
    const waiting = snap.tasks.filter((t) => pendingReason(t) === "conflicting");
    const conflicting = snap.summary.pending_counts.conflicting || 0;
    if (holds.length === 0 && conflicting === 0 && !snap.tasks.some((t) => t.paths && t.paths.length > 0)) return null;
    const head = h(
      "div",
      { class: "section-head" },
      h("h3", { text: `Paths held (${holds.length})` }),
      h("span", { class: conflicting > 0 ? "conflicting-count" : "muted", id: "conflicting-count", text: `${conflicting} ready task${conflicting === 1 ? "" : "s"} waiting on a conflict` }),
    );
    const table =
      holds.length === 0
        ? h("p", { class: "muted", text: "No path is held right now." })
        : h(
            "table",
            { id: "paths-table" },
            h("thead", null, h("tr", null, ["Path", "Holder", "Hold", "Task", "Until", "Reason"].map((t) => h("th", { text: t })))),
            h(
              "tbody",
              null,
              holds.map((hold) =>
                h(
                  "tr",
                  { "data-path": hold.path, "data-source": hold.source },
                  h("td", { class: "mono path", text: hold.path }),
                  h("td", { class: "holder", text: hold.held_by || "?" }),
                  h("td", null, h("span", { class: `badge ${hold.source === "task" ? "in_progress" : hold.exclusive ? "exclusive" : "shared"}`, text: hold.source === "task" ? "task" : hold.exclusive ? "exclusive" : "shared" })),
                  h("td", null, hold.task_id ? (snap.byId && snap.byId.has(hold.task_id) ? taskLink(hold.task_id) : h("span", { class: "mono", text: hold.task_id })) : h("span", { class: "muted", text: "-" })),
                  h("td", null, hold.source === "task" ? untilEl(hold.lease_expires_at, "lease ") : untilEl(hold.expires_at, "")),
                  h("td", { class: "muted", text: hold.reason || "" }),
                ),
              ),
            ),
          );
    const list =
      waiting.length === 0
        ? null
        : h("p", { class: "note", id: "conflicting-tasks" }, "Waiting on a conflict: ", waiting.map((t, i) => [i > 0 ? ", " : null, taskLink(t.id)]));
    return h("section", { class: "section", id: "paths-section" }, head, table, list);
  }

  // ---- dependency graph ---------------------------------------------------------------------

  function graphSection(snap) {
    const byId = new Map(snap.tasks.map((t) => [t.id, t]));
    const involved = new Set();
    for (const t of snap.tasks) {
      for (const dep of t.depends_on || []) {
        involved.add(t.id);
        if (byId.has(dep)) involved.add(dep);
      }
    }
    const head = h("div", { class: "section-head" }, h("h3", { text: "Dependencies" }), h("span", { class: "muted", text: "an arrow points from a task to the tasks waiting for it" }));
    if (involved.size === 0) return h("section", { class: "section" }, head, h("p", { class: "muted", text: "No task in this workflow depends on another." }));
    if (involved.size > MAX_GRAPH_NODES) {
      return h("section", { class: "section" }, head, h("p", { class: "muted", text: `${involved.size} tasks take part in dependencies: too many to draw; the tree below lists them.` }));
    }
    const nodes = snap.tasks.filter((t) => involved.has(t.id));
    // Column of a task: the longest chain of dependencies below it.
    const level = new Map();
    const levelOf = (t, seen) => {
      if (level.has(t.id)) return level.get(t.id);
      if (seen.has(t.id)) return 0; // a cycle, only possible by editing the file by hand
      seen.add(t.id);
      let l = 0;
      for (const dep of t.depends_on || []) {
        const d = byId.get(dep);
        if (d && involved.has(dep)) l = Math.max(l, levelOf(d, seen) + 1);
      }
      level.set(t.id, l);
      return l;
    };
    for (const t of nodes) levelOf(t, new Set());
    const columns = [];
    for (const t of nodes) (columns[level.get(t.id)] ||= []).push(t);

    const W = 178;
    const H = 40;
    const GAP_X = 64;
    const GAP_Y = 12;
    const PAD = 12;
    const pos = new Map();
    columns.forEach((col, c) => col.forEach((t, r) => pos.set(t.id, { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) })));
    const width = PAD * 2 + columns.length * W + (columns.length - 1) * GAP_X;
    const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;

    const edges = [];
    for (const t of nodes) {
      for (const dep of t.depends_on || []) {
        const from = pos.get(dep);
        const to = pos.get(t.id);
        if (!from || !to) continue;
        const depStatus = byId.get(dep).status;
        const kind = depStatus === "completed" ? "met" : depStatus === "failed" || depStatus === "cancelled" ? "broken" : "";
        const x1 = from.x + W;
        const y1 = from.y + H / 2;
        const x2 = to.x;
        const y2 = to.y + H / 2;
        const bend = Math.max(24, (x2 - x1) / 2);
        edges.push(svg("path", { class: `graph-edge ${kind}`, d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2 - 2},${y2}`, "marker-end": "url(#arrow)" }));
      }
    }
    const colour = (status) => getComputedStyle(document.documentElement).getPropertyValue(`--${status}`).trim() || "#718096";
    const fill = (status) => getComputedStyle(document.documentElement).getPropertyValue(`--${status}-bg`).trim() || "#fff";
    const boxes = nodes.map((t) => {
      const p = pos.get(t.id);
      const label = t.id.length > 24 ? `${t.id.slice(0, 23)}…` : t.id;
      const sub = t.status === "in_progress" ? `${STATUS_LABEL[t.status]} · ${t.locked_by || "?"}` : pendingReason(t) || STATUS_LABEL[t.status];
      return svg(
        "g",
        { class: `graph-node${t.id === state.taskId ? " selected" : ""}`, transform: `translate(${p.x},${p.y})`, "data-task": t.id, onclick: () => select(state.selected, t.id) },
        svg("title", null, `${t.id} (${t.status})`),
        svg("rect", { width: W, height: H, rx: 7, fill: fill(t.status), stroke: colour(t.status) }),
        svg("text", { x: 10, y: 16 }, label),
        svg("text", { x: 10, y: 31, class: "sub" }, sub.length > 30 ? `${sub.slice(0, 29)}…` : sub),
      );
    });
    const defs = svg(
      "defs",
      null,
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#a0aec0" })),
    );
    return h("section", { class: "section" }, head, h("div", { class: "graph-wrap" }, svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Dependency graph" }, defs, edges, boxes)));
  }

  // ---- task tree ----------------------------------------------------------------------------

  function treeRow(t) {
    return h(
      "div",
      { class: `tree-row${t.id === state.taskId ? " selected" : ""}${state.newIds.has(t.id) ? " new" : ""}`, "data-task": t.id, onclick: () => select(state.selected, t.id) },
      h("span", { class: `status-dot ${t.status}` }),
      h("span", { class: "id", text: t.id }),
      h("span", { class: "type", text: t.type }),
      h(
        "span",
        { class: "right" },
        t.status === "in_progress" ? h("span", { class: "holder", text: t.locked_by || "?" }) : null,
        leaseEl(t),
        badge(t),
      ),
    );
  }

  function treeSection(snap) {
    const filter = state.filter.trim().toLowerCase();
    const input = h("input", {
      id: "task-filter",
      class: "filter",
      type: "search",
      placeholder: "Filter: id, type, status, holder",
      value: state.filter,
      oninput: (event) => {
        state.filter = event.target.value;
        renderMain();
      },
    });
    const head = h("div", { class: "section-head" }, h("h3", { text: "Tasks" }), input);
    let rows = 0;
    let list;
    if (filter) {
      const matches = snap.tasks.filter((t) => [t.id, t.type, t.status, t.locked_by || "", ...(t.paths || [])].some((v) => v.toLowerCase().includes(filter)));
      list = h("ul", { class: "tree", id: "task-tree" }, matches.slice(0, MAX_TREE_ROWS).map((t) => h("li", null, treeRow(t))));
      rows = matches.length;
    } else {
      const ids = new Set(snap.tasks.map((t) => t.id));
      const children = new Map();
      const roots = [];
      for (const t of snap.tasks) {
        if (t.parent_id !== null && ids.has(t.parent_id) && t.parent_id !== t.id) {
          if (!children.has(t.parent_id)) children.set(t.parent_id, []);
          children.get(t.parent_id).push(t);
        } else roots.push(t);
      }
      const seen = new Set();
      const branch = (t) => {
        if (seen.has(t.id) || rows >= MAX_TREE_ROWS) return null;
        seen.add(t.id);
        rows += 1;
        const kids = (children.get(t.id) || []).map(branch).filter(Boolean);
        return h("li", null, treeRow(t), kids.length ? h("ul", null, kids) : null);
      };
      list = h("ul", { class: "tree", id: "task-tree" }, roots.map(branch).filter(Boolean));
    }
    const note = rows > MAX_TREE_ROWS ? h("p", { class: "note", text: `Showing ${MAX_TREE_ROWS} of ${rows}; filter to narrow.` }) : null;
    const empty = snap.tasks.length === 0 ? h("p", { class: "muted", text: "No tasks yet." }) : filter && rows === 0 ? h("p", { class: "muted", text: "No task matches." }) : null;
    return h("section", { class: "section" }, head, empty || list, note);
  }

  // ---- detail: one task ---------------------------------------------------------------------

  function renderDetail() {
    const detail = $("detail");
    const snap = state.snapshot;
    const task = snap && state.taskId ? snap.tasks.find((t) => t.id === state.taskId) : null;
    if (!task) {
      replace(detail, h("p", { class: "empty muted", text: state.taskId && snap ? `Task ${state.taskId} is not in this workflow.` : "Select a task to see its data, result and history." }));
      return;
    }
    const byId = new Map(snap.tasks.map((t) => [t.id, t]));
    const related = (ids) =>
      ids.length === 0
        ? h("span", { class: "muted", text: "none" })
        : h(
            "span",
            null,
            ids.map((id, i) => [i > 0 ? ", " : null, byId.has(id) ? taskLink(id) : h("span", { class: "mono", text: id }), byId.has(id) ? [" ", badge(byId.get(id))] : " (missing)"]),
          );
    const children = snap.tasks.filter((t) => t.parent_id === task.id).map((t) => t.id);
    const dependents = snap.tasks.filter((t) => (t.depends_on || []).includes(task.id)).map((t) => t.id);
    const fields = [
      ["status", badge(task)],
      ["type", task.type],
      ["priority", String(task.priority || 0)],
      task.status === "in_progress" ? ["held by", h("span", { class: "holder", text: task.locked_by || "?" })] : null,
      task.status === "in_progress" ? ["lease", leaseEl(task)] : null,
      task.status === "in_progress" && task.locked_at ? ["claimed", sinceEl(task.locked_at)] : null,
      ["parent", task.parent_id ? (byId.has(task.parent_id) ? taskLink(task.parent_id) : task.parent_id) : h("span", { class: "muted", text: "none" })],
      ["children", related(children)],
      ["depends on", related(task.depends_on || [])],
      task.blocked_by && task.blocked_by.length ? ["blocked by", related(task.blocked_by)] : null,
      ["needed by", related(dependents)],
      task.paths && task.paths.length ? ["paths", h("span", { id: "task-paths" }, task.paths.map((p, i) => [i > 0 ? ", " : null, h("span", { class: "mono", text: p })]))] : null,
      task.path_conflicts && task.path_conflicts.length ? ["conflicts", conflictList(task.path_conflicts)] : null,
      task.not_before ? ["not before", sinceEl(task.not_before)] : null,
      ["created", sinceEl(task.created_at)],
      task.completed_at ? ["finished", sinceEl(task.completed_at)] : null,
      ["attempts", `${task.attempts}${task.max_attempts ? ` of at most ${task.max_attempts}` : ""}${task.failures ? `, ${task.failures} failed` : ""}`],
      task.last_error ? ["last error", h("span", { class: "wf-error", text: task.last_error })] : null,
    ].filter(Boolean);
    const history = task.history || [];
    replace(
      detail,
      h("h1", { text: task.id }),
      h("dl", { class: "fields" }, fields.map(([name, value]) => [h("dt", { text: name }), h("dd", null, value)])),
      h("h3", { text: "Data" }),
      h("pre", { class: "json", id: "task-data", text: JSON.stringify(task.data, null, 2) }),
      task.result !== undefined ? [h("h3", { text: "Result" }), h("pre", { class: "json", text: JSON.stringify(task.result, null, 2) })] : null,
      h("h3", { text: "History" }),
      history.length === 0
        ? h("p", { class: "muted", text: "None recorded." })
        : h(
            "table",
            { class: "history" },
            h("thead", null, h("tr", null, ["At", "Event", "By", "Detail"].map((t) => h("th", { text: t })))),
            h(
              "tbody",
              null,
              [...history].reverse().map((e) =>
                h(
                  "tr",
                  null,
                  h("td", { class: "at", title: e.at, text: new Date(e.at).toLocaleTimeString() }),
                  h("td", null, e.event, e.attempt !== undefined ? h("span", { class: "muted", text: ` #${e.attempt}` }) : null),
                  h("td", { text: e.agent || "" }),
                  h("td", { text: e.detail || "" }),
                ),
              ),
            ),
          ),
    );
  }

  // ---- start ---------------------------------------------------------------------------------

  window.addEventListener("hashchange", applyHash);
  setInterval(tick, 1000);
  applyHash();
  connect();
})();
