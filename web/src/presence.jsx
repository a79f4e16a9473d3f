// The dot beside every person: online, away or offline; the last time seen on hover.
import { app, statusOf, nameOf } from "./state.js";
import { t, formatDateTime } from "./i18n.js";

export function Dot({ userId }) {
  const { status, lastSeen } = statusOf(userId);
  const label = t(status);
  const title = status !== "online" && lastSeen ? `${label}. ${t("lastSeen", formatDateTime(lastSeen))}` : label;
  return <span class={`dot ${status}`} role="img" aria-label={title} title={title} data-status={status} />;
}

/** A person's name with their presence dot. */
export function Person({ userId }) {
  return (
    <span class="person" data-user={userId}>
      <Dot userId={userId} />
      <span class="person-name">{nameOf(userId)}</span>
    </span>
  );
}

export const others = () => [...app.members.keys()].filter((id) => id !== app.me?.id);
