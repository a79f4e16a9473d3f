// Projects with their health colour, and each project's Kanban board ("Tableau"): one
// list per column, drag-and-drop and Shift+arrow moves (task:move), others' moves live
// (task:created / task:updated / task:deleted after project:subscribe); the task's
// detail and the project's milestones with their progress.
import { useEffect, useRef, useState } from "preact/hooks";
import { app, call, listen, rest, useApp } from "./state.js";
import { formatDate, formatNumber, t } from "./i18n.js";
import { Link, navigate } from "./router.jsx";
import { Person } from "./presence.jsx";

export const COLUMNS = ["TODO", "IN_PROGRESS", "IN_REVIEW", "DONE"];

export function HealthChip({ health }) {
  const colour = health?.couleur_risque;
  const text = colour ? t("healthOf", t("colour")[colour]) : t("noHealth");
  return (
    <span class={`chip ${colour ?? "none"}`}>
      <span class="swatch" aria-hidden="true" />
      {text}
      {health?.score_global != null && ` (${formatNumber(health.score_global, 0)}/100)`}
    </span>
  );
}

export function Projects() {
  const { orgId } = useApp();
  const [projects, setProjects] = useState(null);
  const [health, setHealth] = useState({});
  useEffect(() => {
    document.title = `${t("projects")} · Aurentia`;
    if (!orgId) return;
    let live = true;
    rest("list_projects", { params: { org: orgId }, query: { limit: 100 } }).then(async (page) => {
      if (!live) return;
      setProjects(page.items);
      const entries = await Promise.all(
        page.items.map((p) =>
          rest("list_health", { params: { org: orgId, project: p.id }, query: { limit: 1 } }).then(
            (h) => [p.id, h.items[0]],
            () => [p.id, undefined],
          ),
        ),
      );
      if (live) setHealth(Object.fromEntries(entries));
    }, () => live && setProjects([]));
    return () => {
      live = false;
    };
  }, [orgId]);
  return (
    <main id="main" class="page">
      <h1>{t("projects")}</h1>
      {projects === null ? (
        <p>{t("loading")}</p>
      ) : (
        <ul class="projects">
          {projects.map((p) => (
            <li key={p.id} class="project">
              <h2>
                <Link to={`/projects/${p.id}`}>{p.nom}</Link>
              </h2>
              <HealthChip health={health[p.id]} />
              <p class="muted">
                {formatDate(p.date_debut)}
                {p.date_fin_prevue ? ` → ${formatDate(p.date_fin_prevue)}` : ""}
              </p>
              <p>
                <Link to={`/projects/${p.id}/health`}>{t("openHealth")}</Link>
              </p>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

/** Columns of tasks, sorted by position, with `task` put in its column (or removed). */
function place(columns, task, remove = false) {
  const next = {};
  for (const c of COLUMNS) next[c] = (columns[c] ?? []).filter((x) => x.id !== task.id);
  if (!remove) next[task.statut] = [...next[task.statut], task].sort((a, b) => a.position - b.position);
  return next;
}

function Milestones({ projectId }) {
  const { orgId } = useApp();
  const [items, setItems] = useState([]);
  useEffect(() => {
    rest("list_milestones", { params: { org: orgId }, query: { projet_id: projectId, limit: 100 } }).then(
      (p) => setItems(p.items),
      () => setItems([]),
    );
    const offs = [
      listen("milestone:updated", (m) =>
        m.projet_id === projectId && setItems((list) => [...list.filter((x) => x.id !== m.id), m]),
      ),
      listen("milestone:deleted", (m) => setItems((list) => list.filter((x) => x.id !== m.id))),
    ];
    return () => offs.forEach((off) => off());
  }, [projectId, orgId]);
  return (
    <section class="milestones" aria-labelledby="milestones-title">
      <h2 id="milestones-title">{t("milestones")}</h2>
      {items.length === 0 ? (
        <p>{t("noMilestones")}</p>
      ) : (
        <ul>
          {items.map((m) => (
            <li key={m.id}>
              <span class="name" id={`ms-${m.id}`}>
                {m.name}
              </span>
              <span class="muted"> {formatDate(m.due_date)}</span>
              <progress max="100" value={m.progress_percentage} aria-label={t("progress", m.name)} />
              <span>{formatNumber(m.progress_percentage, 0)} %</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function TaskDetail({ task, projectId }) {
  const heading = useRef(null);
  useEffect(() => heading.current?.focus(), [task?.id]);
  if (!task) return null;
  return (
    <aside class="detail" aria-labelledby="task-title">
      <h2 id="task-title" tabIndex={-1} ref={heading}>
        {task.nom}
      </h2>
      <dl>
        <dt>{t("statusLabel")}</dt>
        <dd>{t("status")[task.statut]}</dd>
        {task.profile_responsable_id && (
          <>
            <dt>{t("person")}</dt>
            <dd>
              <Person userId={task.profile_responsable_id} />
            </dd>
          </>
        )}
        {task.date_fin_cible && (
          <>
            <dt>{t("due")}</dt>
            <dd>{formatDate(task.date_fin_cible)}</dd>
          </>
        )}
        {task.charge_estimee_jh != null && (
          <>
            <dt>{t("estimate")}</dt>
            <dd>{t("days", formatNumber(task.charge_estimee_jh, 1))}</dd>
          </>
        )}
        {task.priority && (
          <>
            <dt>{t("priority")}</dt>
            <dd>{t("priorities")[task.priority] ?? task.priority}</dd>
          </>
        )}
      </dl>
      {task.description && (
        <>
          <h3>{t("description")}</h3>
          <p>{task.description}</p>
        </>
      )}
      <Link to={`/projects/${projectId}`}>{t("close")}</Link>
    </aside>
  );
}

export function Board({ projectId, taskId }) {
  const { orgId } = useApp();
  const [project, setProject] = useState(null);
  const [columns, setColumns] = useState(null);
  const [said, setSaid] = useState("");
  const dragged = useRef(null);
  const focusAfter = useRef(null);

  useEffect(() => {
    let live = true;
    rest("get_project", { params: { org: orgId, id: projectId } }).then((p) => live && setProject(p), () => undefined);
    const load = () =>
      rest("get_board", { params: { org: orgId, id: projectId } }).then((b) => {
        if (!live) return;
        const next = {};
        for (const c of COLUMNS) next[c] = [];
        for (const col of b.columns) next[col.statut] = [...col.tasks].sort((a, b) => a.position - b.position);
        setColumns(next);
      });
    void load();
    const subscribe = () => call("project:subscribe", { project_id: projectId }).catch(() => undefined);
    void subscribe();
    const mine = (task) => task.projet_id === projectId;
    const offs = [
      listen("task:created", (task) => mine(task) && setColumns((c) => c && place(c, task))),
      listen("task:updated", (task) => mine(task) && setColumns((c) => c && place(c, task))),
      listen("task:deleted", (d) => setColumns((c) => c && place(c, { id: d.id }, true))),
      // Rooms do not survive a reconnection: subscribe again and reload what moved meanwhile.
      app.client.session.on("ready", ({ reconnect }) => reconnect && void subscribe().then(load)),
    ];
    return () => {
      live = false;
      offs.forEach((off) => off());
      void call("project:unsubscribe", { project_id: projectId }).catch(() => undefined);
    };
  }, [projectId, orgId]);

  useEffect(() => {
    document.title = `${project?.nom ?? t("board")} · Aurentia`;
  }, [project?.nom]);

  useEffect(() => {
    if (focusAfter.current) {
      document.getElementById(`card-${focusAfter.current}`)?.focus();
      focusAfter.current = null;
    }
  });

  /** Move `task` to `statut`, before `beforeId` (or at the end). */
  const move = async (task, statut, beforeId) => {
    const list = columns[statut].filter((x) => x.id !== task.id);
    const at = beforeId ? list.findIndex((x) => x.id === beforeId) : list.length;
    const afterTask = at > 0 ? list[at - 1] : undefined;
    const beforeTask = at >= 0 && at < list.length ? list[at] : undefined;
    if (task.statut === statut && columns[statut].indexOf(task) === at) return;
    // Shown at once; the server's answer (and everyone's task:updated) sets the position.
    const guess = afterTask && beforeTask ? (afterTask.position + beforeTask.position) / 2 : afterTask ? afterTask.position + 1 : (beforeTask?.position ?? 1) - 1;
    setColumns((c) => place(c, { ...task, statut, position: guess }));
    try {
      const moved = await call("task:move", {
        organization_id: orgId,
        task_id: task.id,
        move: { statut, ...(afterTask ? { after_id: afterTask.id } : {}), ...(beforeTask ? { before_id: beforeTask.id } : {}) },
      });
      setColumns((c) => place(c, moved));
      setSaid(t("moved", task.nom, t("status")[statut]));
    } catch {
      setColumns((c) => place(c, task));
    }
  };

  const onKeyDown = (event, task) => {
    if (!event.shiftKey || !event.key.startsWith("Arrow")) return;
    event.preventDefault();
    const col = COLUMNS.indexOf(task.statut);
    const list = columns[task.statut];
    const index = list.findIndex((x) => x.id === task.id);
    focusAfter.current = task.id;
    if (event.key === "ArrowLeft" && col > 0) void move(task, COLUMNS[col - 1]);
    else if (event.key === "ArrowRight" && col < COLUMNS.length - 1) void move(task, COLUMNS[col + 1]);
    else if (event.key === "ArrowUp" && index > 0) void move(task, task.statut, list[index - 1].id);
    else if (event.key === "ArrowDown" && index < list.length - 1) void move(task, task.statut, list[index + 2]?.id);
  };

  const onDrop = (event, statut) => {
    event.preventDefault();
    const id = event.dataTransfer.getData("text/plain") || dragged.current;
    const task = COLUMNS.flatMap((c) => columns[c]).find((x) => x.id === id);
    if (!task) return;
    const card = event.target.closest?.("li[data-task]");
    void move(task, statut, card && card.dataset.task !== id ? card.dataset.task : undefined);
  };

  const selected = taskId && columns ? COLUMNS.flatMap((c) => columns[c]).find((x) => x.id === taskId) : undefined;
  return (
    <main id="main" class="page board-page">
      <h1>{project?.nom ?? t("board")}</h1>
      <p>
        <Link to={`/projects/${projectId}/health`}>{t("openHealth")}</Link>
      </p>
      <p class="muted" id="board-help">
        {t("moveHelp")}
      </p>
      <p class="sr-only" aria-live="polite">
        {said}
      </p>
      {columns === null ? (
        <p>{t("loading")}</p>
      ) : (
        <div class="board-wrap">
          <section class="board" aria-label={t("boardRegion")}>
            {COLUMNS.map((statut) => (
              <div class="column" key={statut} onDragOver={(e) => e.preventDefault()} onDrop={(e) => onDrop(e, statut)}>
                <h2 id={`col-${statut}`}>
                  {t("status")[statut]} <span class="count">({columns[statut].length})</span>
                </h2>
                <ul aria-labelledby={`col-${statut}`} data-column={statut}>
                  {columns[statut].map((task) => (
                    <li
                      key={task.id}
                      data-task={task.id}
                      class="card"
                      draggable={true}
                      onDragStart={(e) => {
                        dragged.current = task.id;
                        e.dataTransfer.setData("text/plain", task.id);
                        e.dataTransfer.effectAllowed = "move";
                      }}
                    >
                      <Link
                        id={`card-${task.id}`}
                        to={`/projects/${projectId}/tasks/${task.id}`}
                        aria-describedby="board-help"
                        onKeyDown={(e) => onKeyDown(e, task)}
                      >
                        {task.nom}
                      </Link>
                      {task.profile_responsable_id && <Person userId={task.profile_responsable_id} />}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </section>
          <TaskDetail task={selected} projectId={projectId} />
        </div>
      )}
      <Milestones projectId={projectId} />
    </main>
  );
}

export const goBoard = (id) => navigate(`/projects/${id}`);
