// The app's shell: sign-in pages until a session exists, then the header (navigation,
// organization switcher, notifications), the connection banner and the page of the route.
import "./styles.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { app, resume, selectOrg, signOut, useApp } from "./state.js";
import { t } from "./i18n.js";
import { Link, navigate, path, useRoute } from "./router.jsx";
import { Forgot, Reset, SignIn, Verify } from "./auth.jsx";
import { Chat } from "./chat.jsx";
import { Bell } from "./notifications.jsx";
import { Board, Projects } from "./projects.jsx";
import { Health } from "./health.jsx";
import { Timesheet, Validation } from "./timesheet.jsx";

/** Another organization: a page of one channel or project of the old one goes to its list. */
async function switchOrg(orgId) {
  const route = path();
  const loading = selectOrg(orgId); // clears the old channels at once
  if (route.startsWith("/chat/")) navigate("/chat", true);
  else if (route.startsWith("/projects/")) navigate("/projects", true);
  await loading;
}

function OrgSwitcher() {
  const { orgs, orgId } = useApp();
  if (orgs.length === 0) return null;
  return (
    <div class="org">
      <label for="org-select">{t("organization")}</label>
      <select id="org-select" value={orgId ?? ""} onChange={(e) => void switchOrg(e.currentTarget.value)}>
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function Header({ route }) {
  const current = (prefix) => (route.startsWith(prefix) ? "page" : undefined);
  return (
    <header class="top">
      <span class="brand">Aurentia</span>
      <nav aria-label={t("mainNav")}>
        <Link to="/chat" aria-current={current("/chat")}>
          {t("chat")}
        </Link>
        <Link to="/projects" aria-current={current("/projects")}>
          {t("projects")}
        </Link>
        <Link to="/timesheet" aria-current={current("/timesheet")}>
          {t("timesheet")}
        </Link>
        <Link to="/validation" aria-current={current("/validation")}>
          {t("validation")}
        </Link>
      </nav>
      <OrgSwitcher />
      <Bell />
      <button type="button" class="link" onClick={() => (signOut(), navigate("/login", true))}>
        {t("signOut")}
      </button>
    </header>
  );
}

function Banner() {
  const { connected } = useApp();
  return (
    <div class={connected ? "banner hidden" : "banner"} role="status">
      {connected ? "" : t("reconnecting")}
    </div>
  );
}

function Page({ route }) {
  let m;
  if (route === "/" || route === "/login" || route === "/chat") return <Chat />;
  if ((m = /^\/chat\/(organization|project|group|direct)\/([0-9a-f-]{36})$/.exec(route)))
    return <Chat type={m[1]} id={m[2]} />;
  if (route === "/projects") return <Projects />;
  if ((m = /^\/projects\/([0-9a-f-]{36})(?:\/tasks\/([0-9a-f-]{36}))?$/.exec(route)))
    return <Board projectId={m[1]} taskId={m[2]} />;
  if ((m = /^\/projects\/([0-9a-f-]{36})\/health$/.exec(route))) return <Health projectId={m[1]} />;
  if (route === "/timesheet") return <Timesheet />;
  if (route === "/validation") return <Validation />;
  return (
    <main id="main">
      <h1>{t("notFound")}</h1>
    </main>
  );
}

function App() {
  const route = useRoute();
  const { client, me } = useApp();
  const [booting, setBooting] = useState(true);
  useEffect(() => {
    resume().finally(() => setBooting(false));
  }, []);
  if (booting) return <p class="loading">{t("loading")}</p>;
  if (!client || !me) {
    if (route === "/forgot-password") return <Forgot />;
    if (route === "/reset-password") return <Reset />;
    if (route === "/verify-email") return <Verify />;
    return <SignIn />;
  }
  return (
    <div class="shell">
      <Header route={route} />
      <Banner />
      <Page route={route} />
    </div>
  );
}

render(<App />, document.getElementById("root"));
if (app) document.documentElement.lang = "fr";
