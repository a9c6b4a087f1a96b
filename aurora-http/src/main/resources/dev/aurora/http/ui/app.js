// The Aurora operator UI: plain JavaScript, no build step, nothing loaded from elsewhere.
// Views are chosen by the URL's hash; each view reads the JSON API and re-reads it when the event
// stream reports a change. Changes carry the session's CSRF token.
'use strict';

(function () {
  const API = new URL('../api/v1/', location.href).pathname;
  const view = document.getElementById('view');
  const errorBox = document.getElementById('error');
  const recent = [];          // recent events, newest first
  const RECENT_MAX = 200;
  let session = { principal: '', csrfToken: '' };
  let current = null;         // the view being shown: { render, jobKey }
  let refreshTimer = null;

  // --- helpers ---------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function state(s) {
    return el('span', { class: 'state ' + s }, s);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  async function api(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (method !== 'GET') {
      headers['X-CSRF-Token'] = session.csrfToken;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(API + path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    if (r.status === 204) return null;
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
    if (!r.ok) {
      const problem = data || {};
      const fields = (problem.errors || []).map(e => (e.field ? e.field + ': ' : '') + e.message).join('; ');
      const err = new Error((problem.title || ('HTTP ' + r.status)) + ': ' + (problem.detail || '') + (fields && !problem.detail ? ' ' + fields : ''));
      err.status = r.status;
      throw err;
    }
    return data;
  }

  function ago(iso, nowIso) {
    if (!iso) return '';
    const now = nowIso ? Date.parse(nowIso) : Date.now();
    const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
  }

  function since(task) {
    const evs = task.events || [];
    for (let i = evs.length - 1; i >= 0; i--) {
      if (evs[i].status === task.status) return evs[i].time;
    }
    return null;
  }

  function jobLink(key) {
    return el('a', { href: '#/job/' + key }, key);
  }

  function confirmThen(text, action) {
    const modal = document.getElementById('confirm');
    document.getElementById('confirm-text').textContent = text;
    modal.hidden = false;
    const yes = document.getElementById('confirm-yes');
    const no = document.getElementById('confirm-no');
    const close = () => { modal.hidden = true; yes.onclick = null; no.onclick = null; };
    yes.onclick = async () => {
      close();
      try {
        showError('');
        await action();
        scheduleRefresh(0);
      } catch (e) {
        showError(e.message);
      }
    };
    no.onclick = close;
  }

  // --- actions, also callable as window.aurora.* -----------------------------------------------

  const actions = {
    killInstances: (key, instances) => api('POST', 'jobs/' + key + '/kill', { instances }),
    restartInstances: (key, instances) => api('POST', 'jobs/' + key + '/restart', { instances }),
    pauseUpdate: id => api('POST', 'updates/' + id + '/pause'),
    resumeUpdate: id => api('POST', 'updates/' + id + '/resume'),
    // runs an action as the buttons do, showing a refusal in the error box
    run: async (name, ...args) => {
      try {
        showError('');
        await actions[name](...args);
        scheduleRefresh(0);
        return 'ok';
      } catch (e) {
        showError(e.message);
        return e.message;
      }
    }
  };
  window.aurora = actions;

  // --- views -----------------------------------------------------------------------------------

  async function rolesView() {
    const jobs = await api('GET', 'jobs');
    const roles = {};
    for (const j of jobs) {
      const role = j.key.split('/')[0];
      (roles[role] = roles[role] || []).push(j);
    }
    const rows = Object.keys(roles).sort().map(role => {
      const js = roles[role];
      const active = js.reduce((n, j) => n + Object.values(j.active).reduce((a, b) => a + b, 0), 0);
      return el('tr', {}, el('td', {}, el('a', { href: '#/role/' + role }, role)), el('td', {}, js.length), el('td', {}, active));
    });
    return [el('h1', {}, 'Roles'),
      rows.length ? el('table', { id: 'roles' }, el('tr', {}, el('th', {}, 'role'), el('th', {}, 'jobs'), el('th', {}, 'active tasks')), rows)
        : el('p', { class: 'muted' }, 'No jobs yet.')];
  }

  async function roleView(role) {
    const jobs = await api('GET', 'jobs?role=' + encodeURIComponent(role));
    const rows = jobs.map(j => el('tr', {},
      el('td', {}, jobLink(j.key)), el('td', {}, j.type), el('td', {}, j.instances),
      el('td', {}, Object.entries(j.active).map(([s, n]) => [state(s), ' ', n, ' ']))));
    return [el('h1', {}, 'Role ', role),
      el('table', { id: 'jobs' }, el('tr', {}, el('th', {}, 'job'), el('th', {}, 'type'), el('th', {}, 'instances'), el('th', {}, 'active')), rows)];
  }

  async function jobView(key) {
    const role = key.split('/')[0];
    const [job, may, updates] = await Promise.all([
      api('GET', 'jobs/' + key),
      api('GET', 'session?role=' + encodeURIComponent(role)).then(s => s.may || {}),
      api('GET', 'updates?job=' + encodeURIComponent(key))
    ]);
    const active = job.tasks.filter(t => !['FINISHED', 'FAILED', 'KILLED', 'LOST', 'INIT'].includes(t.status))
      .sort((a, b) => a.instance - b.instance);
    const rows = active.map(t => {
      const health = t.healthy === undefined ? '' : (t.healthy ? el('span', { class: 'healthy' }, 'healthy') : el('span', { class: 'unhealthy' }, 'unhealthy'));
      const ports = Object.entries(t.ports || {}).map(([n, p]) => n + ':' + p).join(' ');
      const buttons = [];
      if (may.killInstances) {
        buttons.push(el('button', { class: 'danger kill', 'data-instance': t.instance,
          onclick: () => confirmThen('Kill instance ' + t.instance + ' of ' + key + '?', () => actions.killInstances(key, [t.instance])) }, 'kill'));
      }
      if (may.restartInstances) {
        buttons.push(el('button', { class: 'restart', 'data-instance': t.instance,
          onclick: () => confirmThen('Restart instance ' + t.instance + ' of ' + key + '?', () => actions.restartInstances(key, [t.instance])) }, 'restart'));
      }
      return el('tr', { class: 'instance', 'data-instance': t.instance, 'data-task': t.id, 'data-state': t.status },
        el('td', {}, t.instance), el('td', {}, state(t.status)), el('td', {}, t.host || ''),
        el('td', {}, ports), el('td', {}, health), el('td', {}, t.status === 'RUNNING' ? ago(since(t), job.now) : ''),
        el('td', {}, el('a', { href: '#/task/' + t.id }, t.id)), el('td', {}, buttons));
    });
    const parts = [el('h1', {}, 'Job ', key),
      el('div', { class: 'cards' },
        el('div', { class: 'card' }, 'type: ', job.summary.type),
        el('div', { class: 'card' }, 'instances: ', job.config.instances),
        el('div', { class: 'card' }, 'per task: ', (job.config.task.resources || {}).cpus, ' cpus, ',
          (job.config.task.resources || {}).ramMb, ' MB ram'))];
    const jobButtons = [];
    if (may.restartInstances && active.length) {
      jobButtons.push(el('button', { id: 'restart-all', onclick: () => confirmThen('Restart every instance of ' + key + '?', () => actions.restartInstances(key, [])) }, 'restart all'));
    }
    if (jobButtons.length) parts.push(el('div', { class: 'actions' }, jobButtons));
    parts.push(el('h2', {}, 'Instances'),
      el('table', { id: 'instances' }, el('tr', {}, ['instance', 'state', 'host', 'ports', 'health', 'uptime', 'task', ''].map(h => el('th', {}, h))), rows));
    if (active.some(t => t.status === 'PENDING')) {
      const why = await api('GET', 'jobs/' + key + '/pending');
      parts.push(el('h2', {}, 'Pending'), el('p', { id: 'pending-why' }, why.message),
        el('ul', {}, Object.entries(why.vetoes || {}).map(([r, n]) => el('li', {}, r, ' (', n, ' agents)'))));
    }
    if (updates.length) {
      parts.push(el('h2', {}, 'Updates'), updatesTable(updates, may));
    }
    const mine = recent.filter(e => e.job === key).slice(0, 30);
    parts.push(el('h2', {}, 'Recent events'),
      el('div', { class: 'events', id: 'recent-events' }, mine.length ? mine.map(e => el('div', {}, describe(e))) : el('span', { class: 'muted' }, 'none since this page opened')));
    return parts;
  }

  function describe(e) {
    const t = new Date(e.time).toLocaleTimeString();
    if (e.type === 'TaskHealthChanged') return t + ' instance ' + e.instance + ' ' + (e.healthy ? 'healthy' : 'unhealthy');
    if (e.taskId) return t + ' instance ' + e.instance + ' ' + (e.from ? e.from + ' → ' : '') + e.status + (e.message ? ' (' + e.message + ')' : '');
    if (e.type === 'UpdateStateChanged') return t + ' update ' + e.id + ' ' + e.status;
    return t + ' ' + e.type + (e.what ? ': ' + e.what : '') + (e.by ? ' by ' + e.by : '');
  }

  function progress(u) {
    return el('div', { class: 'progress' }, Object.entries(u.instances).map(([i, p]) =>
      el('span', { class: p.state, title: 'instance ' + i + ': ' + p.state + (p.failures ? ', ' + p.failures + ' failures' : '') }, i)));
  }

  function updatesTable(updates, may) {
    return el('table', { class: 'updates' }, el('tr', {}, ['update', 'job', 'status', 'by', 'progress', ''].map(h => el('th', {}, h))),
      updates.map(u => {
        const buttons = [];
        if (may && may.pauseUpdate && (u.status === 'ROLLING_FORWARD' || u.status === 'ROLLING_BACK')) {
          buttons.push(el('button', { onclick: () => confirmThen('Pause update ' + u.id + '?', () => actions.pauseUpdate(u.id)) }, 'pause'));
        }
        if (may && may.resumeUpdate && u.status.endsWith('PAUSED')) {
          buttons.push(el('button', { onclick: () => confirmThen('Resume update ' + u.id + '?', () => actions.resumeUpdate(u.id)) }, 'resume'));
        }
        return el('tr', {}, el('td', {}, el('a', { href: '#/update/' + u.id }, u.id)), el('td', {}, jobLink(u.job)),
          el('td', {}, state(u.status)), el('td', {}, u.by), el('td', {}, progress(u)), el('td', {}, buttons));
      }));
  }

  async function taskView(id) {
    const t = await api('GET', 'tasks/' + encodeURIComponent(id));
    const parts = [el('h1', {}, 'Task ', t.id),
      el('p', {}, jobLink(t.job), ' instance ', t.instance, ' ', state(t.status), t.host ? ' on ' + t.host : '')];
    parts.push(el('h2', {}, 'History'), el('table', { id: 'history' }, el('tr', {}, el('th', {}, 'time'), el('th', {}, 'state'), el('th', {}, 'message')),
      (t.events || []).map(e => el('tr', {}, el('td', {}, new Date(e.time).toLocaleString()), el('td', {}, state(e.status)), el('td', {}, e.message || '')))));
    parts.push(el('p', {}, el('a', { id: 'output-link', href: '#/output/' + encodeURIComponent(t.id) }, 'Output (stdout, stderr)')));
    if (t.status === 'PENDING') {
      const why = await api('GET', 'tasks/' + encodeURIComponent(id) + '/pending');
      parts.push(el('h2', {}, 'Why pending'), el('p', {}, why.message));
    }
    return parts;
  }

  // A task's output, followed live: the server streams it (follow=true) until the task ends. The view
  // is not re-rendered on events (that would restart the stream); leaving the page aborts it.
  let outputAbort = null;
  async function outputView(id, query) {
    const params = new URLSearchParams(query || '');
    const stream = params.get('stream') === 'stderr' ? 'stderr' : 'stdout';
    const process = params.get('process') || '';
    const t = await api('GET', 'tasks/' + encodeURIComponent(id));
    const link = (s, p) => '#/output/' + encodeURIComponent(id) + '?stream=' + s + (p ? '&process=' + encodeURIComponent(p) : '');
    const pre = el('pre', { id: 'output', class: 'output' });
    const status = el('span', { id: 'output-status', class: 'muted' }, 'connecting…');
    const procs = el('span', { id: 'output-processes' });
    const url = API + 'tasks/' + encodeURIComponent(id) + '/output?follow=true&stream=' + stream
        + (process ? '&process=' + encodeURIComponent(process) : '');
    if (outputAbort) outputAbort.abort();
    const abort = new AbortController();
    outputAbort = abort;
    (async () => {
      try {
        const r = await fetch(url, { credentials: 'same-origin', signal: abort.signal });
        if (!r.ok) {
          let detail = '';
          try { detail = (await r.json()).detail; } catch (x) { /* not a problem JSON */ }
          status.textContent = 'HTTP ' + r.status + (detail ? ': ' + detail : '');
          return;
        }
        const names = (r.headers.get('X-Aurora-Output-Processes') || '').split(',').filter(x => x);
        const shown = process || r.headers.get('X-Aurora-Output-Process') || '';
        procs.replaceChildren(...names.map(n => el('a', { href: link(stream, n), class: n === shown ? 'current' : '' }, n, ' ')));
        status.textContent = 'following ' + (shown ? shown + ' ' : '') + stream;
        status.setAttribute('data-following', 'true');
        const reader = r.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          pre.append(decoder.decode(value, { stream: true }));
          pre.scrollTop = pre.scrollHeight;
        }
        status.textContent = 'the task has ended; this is all of its ' + stream;
        status.setAttribute('data-ended', 'true');
        status.removeAttribute('data-following');
      } catch (e) {
        if (e.name !== 'AbortError') status.textContent = e.message;
      }
    })();
    return [el('h1', {}, 'Output of ', el('a', { href: '#/task/' + encodeURIComponent(id) }, t.id)),
      el('p', {}, jobLink(t.job), ' instance ', t.instance, ' ', state(t.status)),
      el('p', { class: 'actions' }, el('a', { id: 'stdout-link', href: link('stdout', process), class: stream === 'stdout' ? 'current' : '' }, 'stdout'),
        el('a', { id: 'stderr-link', href: link('stderr', process), class: stream === 'stderr' ? 'current' : '' }, 'stderr'),
        ' processes: ', procs, ' ', status),
      pre];
  }

  async function pendingView() {
    const tasks = await api('GET', 'tasks?state=PENDING,THROTTLED');
    const jobs = [...new Set(tasks.map(t => t.job))].sort();
    const whys = await Promise.all(jobs.map(j => api('GET', 'jobs/' + j + '/pending')));
    return [el('h1', {}, 'Pending tasks'),
      jobs.length ? el('table', { id: 'pending' }, el('tr', {}, el('th', {}, 'job'), el('th', {}, 'pending'), el('th', {}, 'why')),
        jobs.map((j, i) => el('tr', {}, el('td', {}, jobLink(j)), el('td', {}, whys[i].pendingTasks), el('td', {}, whys[i].message))))
        : el('p', { class: 'muted' }, 'Nothing is pending.')];
  }

  async function updatesView() {
    const updates = await api('GET', 'updates');
    return [el('h1', {}, 'Updates'), updates.length ? updatesTable(updates, null) : el('p', { class: 'muted' }, 'No updates.')];
  }

  async function updateView(id) {
    const u = await api('GET', 'updates/' + encodeURIComponent(id));
    const may = (await api('GET', 'session?role=' + encodeURIComponent(u.job.split('/')[0]))).may;
    return [el('h1', {}, 'Update ', u.id), updatesTable([u], may),
      el('h2', {}, 'Instances'), el('table', {}, el('tr', {}, ['instance', 'state', 'failures'].map(h => el('th', {}, h))),
        Object.entries(u.instances).map(([i, p]) => el('tr', {}, el('td', {}, i), el('td', {}, state(p.state)), el('td', {}, p.failures)))),
      el('h2', {}, 'History'), el('div', { class: 'events' }, u.events.map(e => el('div', {}, new Date(e.time).toLocaleTimeString(), ' ', e.status, ' ', e.message)),
        u.instanceEvents.map(e => el('div', {}, new Date(e.time).toLocaleTimeString(), ' instance ', e.instance, ' ', e.action, ' ', e.message)))];
  }

  function bar(used, limit) {
    const pct = limit > 0 ? Math.min(100, 100 * used / limit) : (used > 0 ? 100 : 0);
    const fill = el('span', {});
    fill.style.width = pct.toFixed(1) + '%';   // CSSOM, which the page's CSP allows (a style attribute it would not)
    return el('span', {}, el('span', { class: 'bar' + (used > limit ? ' over' : '') }, fill),
      ' ', +used.toFixed(2), ' / ', limit);
  }

  async function quotasView() {
    const quotas = await api('GET', 'quotas');
    const roles = Object.keys(quotas).sort();
    return [el('h1', {}, 'Quotas'),
      roles.length ? el('table', { id: 'quotas' }, el('tr', {}, ['role', 'cpus', 'ram (MB)', 'disk (MB)', 'gpus'].map(h => el('th', {}, h))),
        roles.map(r => {
          const q = quotas[r].quota, c = quotas[r].consumption;
          return el('tr', {}, el('td', {}, el('a', { href: '#/role/' + r }, r)), el('td', {}, bar(c.cpus || 0, q.cpus)),
            el('td', {}, bar(c.ramMb || 0, q.ramMb)), el('td', {}, bar(c.diskMb || 0, q.diskMb)), el('td', {}, bar(c.gpus || 0, q.gpus)));
        })) : el('p', { class: 'muted' }, 'No quotas set.')];
  }

  async function hostsView() {
    const hosts = await api('GET', 'hosts');
    return [el('h1', {}, 'Hosts'),
      el('table', { id: 'hosts' }, el('tr', {}, ['host', 'maintenance', 'active tasks'].map(h => el('th', {}, h))),
        hosts.map(h => el('tr', {}, el('td', {}, el('a', { href: '#/hosttasks/' + h.host }, h.host)), el('td', {}, state(h.mode)), el('td', {}, h.activeTasks))))];
  }

  // Allocation per zone and rack, drawn as SVG bars: for each value of the attribute, the cpus and the
  // memory the scheduler's tasks hold against what the agents there have.
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fixed(n) { return (+n).toFixed(1).replace(/\.0$/, ''); }

  function allocationChart(attribute, rows) {
    const label = 150, barW = 260, gap = 24, rowH = 44;
    const chart = svg('svg', { id: 'util-' + attribute, class: 'util', width: label + 2 * (barW + gap) + 120,
      height: 24 + rows.length * rowH, role: 'img', 'aria-label': 'allocation per ' + attribute });
    chart.append(svg('text', { x: label, y: 14, class: 'head' }, 'cpus'), svg('text', { x: label + barW + gap, y: 14, class: 'head' }, 'ram'));
    rows.forEach((r, i) => {
      const y = 24 + i * rowH;
      const g = svg('g', { class: 'row', 'data-value': r.value || '(none)', 'data-used-cpus': r.usedCpus, 'data-cpus': r.cpus });
      g.append(svg('text', { x: 0, y: y + 15 }, (r.value || '(none)') + ' (' + r.agents + (r.agents === 1 ? ' agent)' : ' agents)')));
      [[r.usedCpus, r.cpus, fixed(r.usedCpus) + ' / ' + fixed(r.cpus)], [r.usedRamMb, r.ramMb, r.usedRamMb + ' / ' + r.ramMb + ' MB']]
        .forEach(([used, total, text], k) => {
          const x = label + k * (barW + gap);
          const w = total > 0 ? Math.min(1, used / total) * barW : 0;
          g.append(svg('rect', { x, y, width: barW, height: 20, class: 'capacity' }),
            svg('rect', { x, y, width: w.toFixed(1), height: 20, class: 'used' + (used > total ? ' over' : '') }),
            svg('text', { x: x + 4, y: y + 35, class: 'figure' }, text));
        });
      chart.append(g);
    });
    return chart;
  }

  async function utilizationView() {
    const u = await api('GET', 'utilization?by=zone,rack');
    const t = u.total;
    return [el('h1', {}, 'Utilization'),
      el('p', { id: 'util-total' }, t.agents, ' agents, ', t.tasks, ' tasks: ', fixed(t.usedCpus), ' of ', fixed(t.cpus), ' cpus and ',
        t.usedRamMb, ' of ', t.ramMb, ' MB of memory allocated'),
      ...Object.entries(u.groups).flatMap(([attribute, rows]) => [el('h2', {}, 'Per ', attribute), allocationChart(attribute, rows)])];
  }

  async function hostTasksView(host) {
    const tasks = await api('GET', 'tasks?state=ASSIGNED,STARTING,RUNNING,KILLING,DRAINING,PREEMPTING,RESTARTING&host=' + encodeURIComponent(host));
    return [el('h1', {}, 'Host ', host), el('table', {}, el('tr', {}, ['task', 'job', 'instance', 'state'].map(h => el('th', {}, h))),
      tasks.map(t => el('tr', {}, el('td', {}, el('a', { href: '#/task/' + t.id }, t.id)), el('td', {}, jobLink(t.job)), el('td', {}, t.instance), el('td', {}, state(t.status)))))];
  }

  const routes = [
    [/^#?\/?$/, () => rolesView()],
    [/^#\/role\/([^/]+)$/, m => roleView(m[1])],
    [/^#\/job\/([^/]+\/[^/]+\/[^/]+)$/, m => jobView(m[1])],
    [/^#\/output\/([^?]+)(?:\?(.*))?$/, m => outputView(decodeURIComponent(m[1]), m[2])],
    [/^#\/task\/(.+)$/, m => taskView(decodeURIComponent(m[1]))],
    [/^#\/pending$/, () => pendingView()],
    [/^#\/updates$/, () => updatesView()],
    [/^#\/update\/(.+)$/, m => updateView(decodeURIComponent(m[1]))],
    [/^#\/quotas$/, () => quotasView()],
    [/^#\/hosts$/, () => hostsView()],
    [/^#\/utilization$/, () => utilizationView()],
    [/^#\/hosttasks\/(.+)$/, m => hostTasksView(decodeURIComponent(m[1]))]
  ];

  async function render() {
    const hash = location.hash || '#/';
    for (const [re, fn] of routes) {
      const m = hash.match(re);
      if (m) {
        current = { hash, jobKey: hash.startsWith('#/job/') ? m[1] : null };
        try {
          const content = await fn(m);
          if (current.hash !== hash) return;   // the user moved on meanwhile
          view.replaceChildren(...[content].flat());
          view.setAttribute('data-rendered', String(Date.now()));
        } catch (e) {
          view.replaceChildren(el('p', { class: 'error' }, e.message));
        }
        return;
      }
    }
    view.replaceChildren(el('p', {}, 'No such page.'));
  }

  function scheduleRefresh(delay) {
    if (current && current.hash.startsWith('#/output/')) return;   // it follows its own stream
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(render, delay === undefined ? 250 : delay);
  }

  // --- the event stream ------------------------------------------------------------------------

  function follow() {
    const live = document.getElementById('live');
    const source = new EventSource(API + 'events');
    const onEvent = msg => {
      let e;
      try { e = JSON.parse(msg.data); } catch (x) { return; }
      recent.unshift(e);
      if (recent.length > RECENT_MAX) recent.pop();
      scheduleRefresh();
    };
    ['task', 'job', 'update', 'host', 'quota'].forEach(t => source.addEventListener(t, onEvent));
    source.addEventListener('reset', () => scheduleRefresh(0));
    source.addEventListener('dropped', () => scheduleRefresh(0));
    source.onopen = () => { live.className = 'live on'; live.setAttribute('data-open', 'true'); };
    source.onerror = () => { live.className = 'live off'; live.removeAttribute('data-open'); };
  }

  async function start() {
    try {
      session = await api('GET', 'session');
      document.getElementById('who').textContent = session.principal;
    } catch (e) {
      showError(e.message);
    }
    window.addEventListener('hashchange', () => {
      showError('');
      if (outputAbort && !location.hash.startsWith('#/output/')) { outputAbort.abort(); outputAbort = null; }
      render();
    });
    follow();
    await render();
  }

  start();
})();
