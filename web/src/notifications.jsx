// The bell ("Notifications"): the server's exact unread count, the feed, mark one or all
// read; live through notification:new and notification:read.
import { useEffect, useRef, useState } from "preact/hooks";
import { app, bump, call, useApp } from "./state.js";
import { formatDateTime, t } from "./i18n.js";

export function Bell() {
  const { notifications } = useApp();
  const [open, setOpen] = useState(false);
  const panel = useRef(null);
  const unread = notifications.unread;
  useEffect(() => {
    if (!open) return undefined;
    const onKey = (e) => e.key === "Escape" && setOpen(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  const mark = async (payload) => {
    const answer = await call("notification:read", payload).catch(() => null);
    if (!answer) return;
    const now = new Date().toISOString();
    app.notifications.items = app.notifications.items.map((n) =>
      payload.all || payload.ids?.includes(n.id) ? { ...n, read_at: n.read_at ?? now } : n,
    );
    app.notifications.unread = answer.unread_count;
    bump();
  };
  return (
    <div class="bell">
      <button
        type="button"
        aria-label={t("notifications")}
        aria-expanded={open ? "true" : "false"}
        aria-controls="notification-panel"
        aria-describedby="notification-count"
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
        </svg>
      </button>
      {unread > 0 && (
        // Beside the button, not inside: its name stays exactly "Notifications"; the count
        // is read through aria-describedby.
        <span class="badge" aria-hidden="true">
          {unread}
        </span>
      )}
      <span id="notification-count" class="sr-only">
        {t("unreadNotifications", unread)}
      </span>
      {open && (
        <section id="notification-panel" class="panel" ref={panel} aria-labelledby="notification-title">
          <div class="panel-head">
            <h2 id="notification-title">{t("notifications")}</h2>
            <button type="button" class="small" onClick={() => void mark({ all: true })} disabled={unread === 0}>
              {t("markAllRead")}
            </button>
            <button type="button" class="small" onClick={() => setOpen(false)}>
              {t("close")}
            </button>
          </div>
          {notifications.items.length === 0 ? (
            <p>{t("noNotifications")}</p>
          ) : (
            <ul>
              {notifications.items.map((n) => (
                <li key={n.id} class={n.read_at ? "read" : "unread"}>
                  <p class="title">{n.title}</p>
                  {n.message && <p class="body">{n.message}</p>}
                  <p class="when">
                    <time dateTime={n.created_at}>{formatDateTime(n.created_at)}</time>
                  </p>
                  {!n.read_at && (
                    <button type="button" class="small" onClick={() => void mark({ ids: [n.id] })}>
                      {t("markRead")}
                      <span class="sr-only"> : {n.title}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
