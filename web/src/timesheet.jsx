// A consultant's week as a grid (projects x days) to fill in and submit (time entries,
// pending validation), and the manager's queue of entries to validate or reject.
import { useEffect, useState } from "preact/hooks";
import { rest, nameOf, useApp } from "./state.js";
import { formatDate, formatNumber, t } from "./i18n.js";
import { Person } from "./presence.jsx";

const iso = (d) => d.toISOString().slice(0, 10);
function monday(date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}
const addDays = (d, n) => new Date(d.getTime() + n * 86_400_000);

export function Timesheet() {
  const { orgId, me } = useApp();
  const [start, setStart] = useState(() => monday(new Date()));
  const [projects, setProjects] = useState([]);
  const [entries, setEntries] = useState([]);
  const [draft, setDraft] = useState({});
  const [said, setSaid] = useState("");
  const days = Array.from({ length: 7 }, (_, i) => iso(addDays(start, i)));
  const load = () =>
    rest("list_time_entries", {
      params: { org: orgId },
      query: { profile_id: me.id, from: days[0], to: days[6], limit: 200 },
    }).then((p) => setEntries(p.items), () => setEntries([]));
  useEffect(() => {
    document.title = `${t("timesheet")} · Aurentia`;
    rest("list_projects", { params: { org: orgId }, query: { limit: 100 } }).then((p) => setProjects(p.items), () => undefined);
  }, [orgId]);
  useEffect(() => {
    setDraft({});
    void load();
  }, [orgId, start.getTime()]);
  const cell = (p, d) => entries.filter((e) => e.projet_id === p && e.date === d);
  const valueOf = (p, d) => draft[`${p}|${d}`] ?? String(cell(p, d).reduce((s, e) => s + Number(e.heures_travaillees), 0) || "");
  const submit = async (event) => {
    event.preventDefault();
    let failed = false;
    for (const [key, value] of Object.entries(draft)) {
      const [projet_id, date] = key.split("|");
      const hours = Number(String(value).replace(",", "."));
      const existing = cell(projet_id, date).find((e) => e.validation_statut === "EN_ATTENTE");
      try {
        if (existing && hours > 0)
          await rest("patch_time_entry", { params: { org: orgId, id: existing.id }, body: { heures_travaillees: hours } });
        else if (existing && !hours) await rest("delete_time_entry", { params: { org: orgId, id: existing.id } });
        else if (hours > 0) await rest("create_time_entry", { params: { org: orgId }, body: { projet_id, date, heures_travaillees: hours } });
      } catch {
        failed = true;
      }
    }
    setDraft({});
    await load();
    setSaid(failed ? t("error") : t("submitted"));
  };
  const total = (d) => projects.reduce((s, p) => s + Number(String(valueOf(p.id, d)).replace(",", ".") || 0), 0);
  return (
    <main id="main" class="page">
      <h1>{t("timesheet")}</h1>
      <div class="week-nav">
        <button type="button" onClick={() => setStart(addDays(start, -7))}>
          {t("previousWeek")}
        </button>
        <span>
          {t("week")} : {formatDate(days[0])} – {formatDate(days[6])}
        </span>
        <button type="button" onClick={() => setStart(addDays(start, 7))}>
          {t("nextWeek")}
        </button>
      </div>
      <form onSubmit={submit}>
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">{t("project")}</th>
              {days.map((d) => (
                <th scope="col" key={d}>
                  {formatDate(d)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.nom}</th>
                {days.map((d) => (
                  <td key={d}>
                    <input
                      type="text"
                      inputMode="decimal"
                      size={3}
                      aria-label={t("hours", p.nom, formatDate(d))}
                      value={valueOf(p.id, d)}
                      onInput={(e) => setDraft({ ...draft, [`${p.id}|${d}`]: e.currentTarget.value })}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t("total")}</th>
              {days.map((d) => (
                <td key={d}>{formatNumber(total(d), 2)}</td>
              ))}
            </tr>
          </tfoot>
        </table>
        <button type="submit" class="primary">
          {t("submit")}
        </button>
        <p role="status">{said}</p>
      </form>
    </main>
  );
}

export function Validation() {
  const { orgId } = useApp();
  const [items, setItems] = useState(null);
  const [projects, setProjects] = useState({});
  const load = () =>
    rest("list_time_entries", { params: { org: orgId }, query: { validation_statut: "EN_ATTENTE", limit: 200 } }).then(
      (p) => setItems(p.items),
      () => setItems([]),
    );
  useEffect(() => {
    document.title = `${t("validation")} · Aurentia`;
    void load();
    rest("list_projects", { params: { org: orgId }, query: { limit: 100 } }).then(
      (p) => setProjects(Object.fromEntries(p.items.map((x) => [x.id, x.nom]))),
      () => undefined,
    );
  }, [orgId]);
  const decide = async (entry, decision) => {
    await rest("validate_time_entries", { params: { org: orgId }, body: { ids: [entry.id], decision } }).catch(() => undefined);
    await load();
  };
  return (
    <main id="main" class="page">
      <h1>{t("validationQueue")}</h1>
      {items === null ? (
        <p>{t("loading")}</p>
      ) : items.length === 0 ? (
        <p>{t("nothingToValidate")}</p>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">{t("person")}</th>
              <th scope="col">{t("project")}</th>
              <th scope="col">{t("date")}</th>
              <th scope="col">h</th>
              <th scope="col">
                <span class="sr-only">{t("validate")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>
                  <Person userId={e.profile_id} />
                </td>
                <td>{projects[e.projet_id] ?? "…"}</td>
                <td>{formatDate(e.date)}</td>
                <td>{formatNumber(e.heures_travaillees)}</td>
                <td>
                  <button type="button" class="small" onClick={() => decide(e, "VALIDE")}>
                    {t("validate")}
                    <span class="sr-only">
                      {" "}
                      {nameOf(e.profile_id)} {formatDate(e.date)}
                    </span>
                  </button>{" "}
                  <button type="button" class="small" onClick={() => decide(e, "REJETE")}>
                    {t("reject")}
                    <span class="sr-only">
                      {" "}
                      {nameOf(e.profile_id)} {formatDate(e.date)}
                    </span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
