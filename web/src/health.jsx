// A project's health: the score history as a line chart, each factor's reasoning, the
// budget consumed against planned and the earned value (PV, EV, AC; CPI, SPI), all as
// inline SVG (no chart library: the bundle stays small and the CSP strict).
import { useEffect, useState } from "preact/hooks";
import { rest, useApp } from "./state.js";
import { formatDate, formatMoney, formatNumber, t } from "./i18n.js";
import { Link } from "./router.jsx";
import { HealthChip } from "./projects.jsx";

const W = 560;
const H = 180;
const PAD = 32;

function ScoreChart({ points }) {
  if (points.length === 0) return <p>{t("noHealth")}</p>;
  const x = (i) => PAD + (points.length === 1 ? (W - 2 * PAD) / 2 : (i * (W - 2 * PAD)) / (points.length - 1));
  const y = (score) => H - PAD - (score / 100) * (H - 2 * PAD);
  const label = points.map((p) => `${formatDate(p.date)} : ${formatNumber(p.score, 0)}`).join(", ");
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${t("scoreHistory")} : ${label}`}>
      {[0, 40, 70, 100].map((v) => (
        <g key={v}>
          <line x1={PAD} x2={W - PAD} y1={y(v)} y2={y(v)} class="grid" />
          <text x={4} y={y(v) + 4} class="axis">
            {v}
          </text>
        </g>
      ))}
      <polyline class="line" points={points.map((p, i) => `${x(i)},${y(p.score)}`).join(" ")} />
      {points.map((p, i) => (
        <circle key={i} cx={x(i)} cy={y(p.score)} r="4" class={`pt ${p.colour}`} />
      ))}
    </svg>
  );
}

/** Horizontal bars of amounts, each labelled with its value. */
function Bars({ title, rows }) {
  const max = Math.max(1, ...rows.map((r) => Number(r.value ?? 0)));
  const bar = 26;
  const height = rows.length * (bar + 10) + 10;
  return (
    <figure class="bars">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={`${title} : ${rows.map((r) => `${r.label} ${r.text}`).join(", ")}`}>
        {rows.map((r, i) => {
          const width = ((W - 220) * Number(r.value ?? 0)) / max;
          const top = 10 + i * (bar + 10);
          return (
            <g key={r.label}>
              <text x={0} y={top + bar * 0.7} class="axis">
                {r.label}
              </text>
              <rect x={110} y={top} width={Math.max(0, width)} height={bar} class={`bar ${r.kind ?? ""}`} />
              <text x={120 + Math.max(0, width)} y={top + bar * 0.7} class="axis">
                {r.text}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** The stored reasoning: its summary lines, then one item per factor ("- Name (poids N) :
 * … sous-score X %, …") with its sub-score drawn as a bar. */
function Reasoning({ text }) {
  const lines = text.split("\n").filter(Boolean);
  const intro = lines.filter((l) => !l.startsWith("- "));
  const factors = lines
    .filter((l) => l.startsWith("- "))
    .map((l) => {
      const body = l.slice(2);
      const name = body.split(" (poids")[0].split(" :")[0];
      const score = /sous-score ([0-9]+(?:,[0-9]+)?) ?%/.exec(body);
      return { name, body, score: score ? Number(score[1].replace(",", ".")) : null };
    });
  return (
    <section aria-labelledby="reasoning-title">
      <h2 id="reasoning-title">{t("reasoning")}</h2>
      {intro.map((l, i) => (
        <p key={i}>{l}</p>
      ))}
      <ul class="factors">
        {factors.map((f) => (
          <li key={f.name}>
            <strong>{f.name}</strong>
            {f.score !== null && (
              <>
                {" "}
                <meter min="0" max="100" low="40" high="70" optimum="100" value={f.score} aria-label={`${f.name} : ${formatNumber(f.score, 0)} %`} />{" "}
                <span>{formatNumber(f.score, 0)} %</span>
              </>
            )}
            <p>{f.body}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Health({ projectId }) {
  const { orgId } = useApp();
  const [project, setProject] = useState(null);
  const [history, setHistory] = useState(null);
  const [money, setMoney] = useState(null);
  useEffect(() => {
    rest("get_project", { params: { org: orgId, id: projectId } }).then(setProject, () => undefined);
    rest("list_health", { params: { org: orgId, project: projectId }, query: { limit: 30 } }).then(
      (p) => setHistory(p.items),
      () => setHistory([]),
    );
    rest("get_financials", { params: { org: orgId, project: projectId } }).then(setMoney, () => setMoney(false));
  }, [orgId, projectId]);
  useEffect(() => {
    document.title = `${t("health")} · ${project?.nom ?? ""} · Aurentia`;
  }, [project?.nom]);
  const latest = history?.[0];
  const points = (history ?? [])
    .filter((h) => h.score_global != null)
    .map((h) => ({ date: h.date_analyse, score: Number(h.score_global), colour: h.couleur_risque }))
    .reverse();
  const ev = money?.valeur_acquise;
  return (
    <main id="main" class="page">
      <h1>
        {t("health")} · {project?.nom ?? "…"}
      </h1>
      <p>
        <Link to={`/projects/${projectId}`}>{t("openBoard")}</Link>
      </p>
      {history === null ? (
        <p>{t("loading")}</p>
      ) : (
        <>
          <HealthChip health={latest} />
          <section aria-labelledby="score-title">
            <h2 id="score-title">{t("scoreHistory")}</h2>
            <ScoreChart points={points} />
          </section>
          {latest?.facteurs?.length > 0 && (
            <section aria-labelledby="factors-title">
              <h2 id="factors-title">{t("factors")}</h2>
              <ul class="factors">
                {latest.facteurs.map((f) => (
                  <li key={f.code}>
                    <strong>{f.libelle}</strong>{" "}
                    <span class="muted">
                      ({formatNumber(f.poids * (f.poids <= 1 ? 100 : 1), 0)} %
                      {f.sous_score != null ? `, ${formatNumber(f.sous_score, 0)}/100` : ""})
                    </span>
                    <p>{f.explication}</p>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {latest?.raisonnement_ia && <Reasoning text={latest.raisonnement_ia} />}
        </>
      )}
      {money && (
        <section aria-labelledby="budget-title">
          <h2 id="budget-title">{t("budget")}</h2>
          <Bars
            title={`${t("consumed")} / ${t("planned")}`}
            rows={[
              { label: t("planned"), value: ev.bac, text: ev.bac != null ? formatMoney(ev.bac) : "—" },
              { label: t("consumed"), value: ev.ac, text: formatMoney(ev.ac), kind: "ac" },
            ]}
          />
          <Bars
            title={`${t("earnedValue")} (CPI ${ev.cpi != null ? formatNumber(ev.cpi) : "—"}, SPI ${ev.spi != null ? formatNumber(ev.spi) : "—"})`}
            rows={[
              { label: "PV", value: ev.pv, text: ev.pv != null ? formatMoney(ev.pv) : "—" },
              { label: "EV", value: ev.ev, text: ev.ev != null ? formatMoney(ev.ev) : "—", kind: "ev" },
              { label: "AC", value: ev.ac, text: formatMoney(ev.ac), kind: "ac" },
            ]}
          />
        </section>
      )}
    </main>
  );
}
