// Sign-in, forgotten password (POST /auth/password/forgot), reset from the mailed link
// (POST /auth/password/reset) and address confirmation (POST /auth/verify-email).
import { useEffect, useState } from "preact/hooks";
import { RestClient } from "@aurentia/client";
import { signIn } from "./state.js";
import { t } from "./i18n.js";
import { Link, navigate, path } from "./router.jsx";

const anonymous = () => new RestClient({ url: location.origin });
const token = () => new URLSearchParams(location.search).get("token") ?? "";

function Card({ title, children }) {
  useEffect(() => {
    document.title = `${title} · Aurentia`;
  }, [title]);
  return (
    <main class="auth" id="main">
      <h1 class="brand">Aurentia</h1>
      <section class="card" aria-labelledby="auth-title">
        <h2 id="auth-title">{title}</h2>
        {children}
      </section>
    </main>
  );
}

export function SignIn() {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError("");
    try {
      await signIn(String(form.get("email")), String(form.get("password")));
      // Only from the sign-in paths: the app shows before signIn settles, and the user
      // may have gone elsewhere meanwhile.
      if (["/", "/login"].includes(path())) navigate("/chat", true);
    } catch (e) {
      setError(e?.status === 401 ? t("badLogin") : (e?.problem?.detail ?? t("error")));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("signInTitle")}>
      <form onSubmit={submit}>
        <label for="email">{t("email")}</label>
        <input id="email" name="email" type="email" autocomplete="username" required />
        <label for="password">{t("password")}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {t("signIn")}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t("forgot")}</Link>
      </p>
    </Card>
  );
}

export function Forgot() {
  const [sent, setSent] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email"));
    await anonymous()
      .call("forgot_password", { body: { email } })
      .catch(() => undefined);
    setSent(true);
  };
  return (
    <Card title={t("forgotTitle")}>
      {sent ? (
        <p role="status">{t("forgotSent")}</p>
      ) : (
        <form onSubmit={submit}>
          <label for="email">{t("email")}</label>
          <input id="email" name="email" type="email" autocomplete="username" required />
          <button type="submit" class="primary">
            {t("forgotSend")}
          </button>
        </form>
      )}
      <p>
        <Link to="/login">{t("backToSignIn")}</Link>
      </p>
    </Card>
  );
}

export function Reset() {
  const [state, setState] = useState({ done: false, error: "" });
  const submit = async (event) => {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("password"));
    try {
      await anonymous().call("reset_password", { body: { token: token(), password } });
      setState({ done: true, error: "" });
    } catch (e) {
      setState({ done: false, error: e?.problem?.detail ?? t("error") });
    }
  };
  return (
    <Card title={t("resetTitle")}>
      {state.done ? (
        <p role="status">{t("resetDone")}</p>
      ) : (
        <form onSubmit={submit}>
          <label for="password">{t("newPassword")}</label>
          <input id="password" name="password" type="password" autocomplete="new-password" minLength={8} required />
          {state.error && (
            <p class="error" role="alert">
              {state.error}
            </p>
          )}
          <button type="submit" class="primary">
            {t("resetSave")}
          </button>
        </form>
      )}
      <p>
        <Link to="/login">{t("backToSignIn")}</Link>
      </p>
    </Card>
  );
}

export function Verify() {
  const [state, setState] = useState("");
  useEffect(() => {
    anonymous()
      .call("verify_email", { body: { token: token() } })
      .then(
        () => setState(t("verifyDone")),
        (e) => setState(e?.problem?.detail ?? t("error")),
      );
  }, []);
  return (
    <Card title={t("verifyTitle")}>
      <p role="status">{state || t("loading")}</p>
      <p>
        <Link to="/login">{t("backToSignIn")}</Link>
      </p>
    </Card>
  );
}
