// The chat: channels with unread badges ("Canaux"), the conversation (role log) with
// history loaded upward, and the composer ("Message") sending through the outbox.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { app, bump, call, nameOf, useApp, watch } from "./state.js";
import { formatDay, formatTime, t } from "./i18n.js";
import { Link, navigate } from "./router.jsx";
import { Dot, Person, others } from "./presence.jsx";
import { Composer } from "./composer.jsx";

const SECTIONS = [
  ["organization", "organizationChannels"],
  ["project", "projectChannels"],
  ["group", "groupChannels"],
];
const QUICK = ["👍", "🎉", "❤️"];
// `@` and an address or a user id, as the server recognizes mentions.
export const MENTION =
  /@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/g;

const refOf = (type, id) => ({ type, id, organization_id: app.orgId });
const unreadOf = (type, id) => app.client.channel({ type, id }).unreadCount;

function Badge({ count }) {
  if (!count) return null;
  return (
    <span class="badge">
      <span aria-hidden="true">{count}</span>
      <span class="sr-only">{t("unread", count)}</span>
    </span>
  );
}

function Sidebar({ active }) {
  const { channels } = useApp();
  const directs = new Set(channels.filter((c) => c.channel.type === "direct").map((c) => c.channel.id));
  for (const id of others()) directs.add(id);
  const current = (type, id) => (active && active.type === type && active.id === id ? "page" : undefined);
  return (
    <nav class="sidebar" aria-label={t("channels")}>
      {SECTIONS.map(([type, label]) => {
        const list = channels.filter((c) => c.channel.type === type);
        if (list.length === 0) return null;
        return (
          <section key={type} aria-labelledby={`sec-${type}`}>
            <h2 id={`sec-${type}`}>{t(label)}</h2>
            <ul>
              {list.map(({ channel }) => (
                <li key={channel.id}>
                  <Link to={`/chat/${type}/${channel.id}`} aria-current={current(type, channel.id)}>
                    <span class="hash" aria-hidden="true">
                      #
                    </span>
                    {channel.name}
                    <Badge count={unreadOf(type, channel.id)} />
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      {directs.size > 0 && (
        <section aria-labelledby="sec-direct">
          <h2 id="sec-direct">{t("directChannels")}</h2>
          <ul>
            {[...directs].map((id) => (
              <li key={id}>
                <Link to={`/chat/direct/${id}`} aria-current={current("direct", id)}>
                  <Dot userId={id} />
                  {nameOf(id)}
                  <Badge count={unreadOf("direct", id)} />
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </nav>
  );
}

/** Message text with mentions shown as names (the user's own highlighted). */
export function Content({ text }) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    parts.push(text.slice(last, match.index));
    const token = match[1].toLowerCase();
    const person = [...app.members.values()].find((p) => p.email.toLowerCase() === token || p.id === token);
    const mine = person && person.id === app.me.id;
    parts.push(
      <span class={mine ? "mention me" : "mention"} key={match.index}>
        @{person ? `${person.prenom} ${person.nom}` : match[1]}
      </span>,
    );
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return <p class="content">{parts}</p>;
}

function Reactions({ message }) {
  const me = app.me.id;
  const toggle = (emoji, mine) =>
    void call(mine ? "reaction:remove" : "reaction:add", { message_id: message.id, emoji })
      .then((r) => app.client.channel(message.channel).applyReactions(r))
      .catch(() => undefined);
  const mineOf = (emoji) => message.reactions.some((r) => r.emoji === emoji && r.user_ids.includes(me));
  return (
    <div class="reactions">
      {message.reactions
        .filter((r) => r.count > 0)
        .map((r) => {
          const mine = r.user_ids.includes(me);
          return (
            <button
              type="button"
              key={r.emoji}
              class="reaction"
              aria-pressed={mine ? "true" : "false"}
              aria-label={t("reactionBy", r.emoji, r.count, mine)}
              onClick={() => toggle(r.emoji, mine)}
            >
              {r.emoji} {r.count}
            </button>
          );
        })}
      {QUICK.filter((e) => !message.reactions.some((r) => r.emoji === e && r.count > 0)).map((emoji) => (
        <button
          type="button"
          key={emoji}
          class="reaction add"
          aria-label={t("react", emoji)}
          onClick={() => toggle(emoji, mineOf(emoji))}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}

function MessageItem({ message, store, onReply, seen }) {
  const [editing, setEditing] = useState(null);
  const mine = message.sender_id === app.me.id;
  const parent = message.parent_id ? store.messages.find((m) => m.id === message.parent_id) : undefined;
  if (message.deleted) {
    return (
      <div class="msg tombstone" data-seq={message.seq}>
        <p class="content">{t("deleted")}</p>
      </div>
    );
  }
  const save = async () => {
    const text = editing.trim();
    if (text && text !== message.content) await app.client.edit(message.id, text).catch(() => undefined);
    setEditing(null);
  };
  return (
    <div class={mine ? "msg mine" : "msg"} data-seq={message.seq} data-id={message.id}>
      <div class="meta">
        <Person userId={message.sender_id} />
        <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
        {message.edited_at && <span class="edited">{t("edited")}</span>}
      </div>
      {message.parent_id && (
        <p class="quote">
          {t("inReplyTo", parent ? nameOf(parent.sender_id) : "…")}
          {parent && !parent.deleted ? ` : ${parent.content.slice(0, 80)}` : ""}
        </p>
      )}
      {editing === null ? (
        <Content text={message.content} />
      ) : (
        <div class="edit">
          <textarea
            aria-label={t("editMessage")}
            value={editing}
            onInput={(e) => setEditing(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                void save();
              } else if (e.key === "Escape") setEditing(null);
            }}
          />
          <button type="button" onClick={save}>
            {t("save")}
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            {t("cancel")}
          </button>
        </div>
      )}
      <div class="actions">
        <Reactions message={message} />
        <button type="button" class="small" onClick={() => onReply(message)}>
          {t("reply")}
        </button>
        {mine && (
          <>
            <button type="button" class="small" onClick={() => setEditing(message.content)}>
              {t("edit")}
            </button>
            <button type="button" class="small" onClick={() => void app.client.delete(message.id).catch(() => undefined)}>
              {t("remove")}
            </button>
          </>
        )}
      </div>
      {seen && <p class="seen">{t("seen")}</p>}
    </div>
  );
}

function Log({ store, channel, onReply }) {
  const box = useRef(null);
  const anchor = useRef(null);
  const stick = useRef(true);
  const [loading, setLoading] = useState(false);
  const messages = store.messages;
  const first = messages[0]?.seq ?? (store.contiguousSeq ?? 0) + 1;
  const hasOlder = first > 1;

  const loadOlder = async () => {
    if (loading || !hasOlder) return;
    setLoading(true);
    anchor.current = box.current ? box.current.scrollHeight - box.current.scrollTop : null;
    try {
      const page = await call("message:history", { channel, before_seq: first, limit: 50 });
      store.apply(page.messages);
    } catch {
      anchor.current = null;
    } finally {
      setLoading(false);
    }
  };

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (anchor.current !== null) {
      el.scrollTop = el.scrollHeight - anchor.current;
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  const onScroll = () => {
    const el = box.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 40) void loadOlder();
  };

  const peer = channel.type === "direct" ? channel.id : null;
  const seenUpTo = peer ? (app.receipts.get(peer) ?? 0) : 0;
  const lastMineSeen = peer
    ? [...messages].reverse().find((m) => m.sender_id === app.me.id && m.seq <= seenUpTo)?.id
    : undefined;

  let day = "";
  const rows = [];
  for (const m of messages) {
    const d = m.created_at.slice(0, 10);
    if (d !== day) {
      day = d;
      rows.push(
        <div class="day" key={`day-${d}`} role="separator" aria-label={formatDay(m.created_at)}>
          <span aria-hidden="true">{formatDay(m.created_at)}</span>
        </div>,
      );
    }
    rows.push(<MessageItem key={m.id} message={m} store={store} onReply={onReply} seen={m.id === lastMineSeen} />);
  }
  for (const p of store.pending) {
    rows.push(
      <div class="msg mine pending" key={p.client_msg_id} data-pending={p.client_msg_id}>
        <div class="meta">
          <Person userId={app.me.id} />
          <span class="state">{p.failed ? t("failed") : t("pending")}</span>
        </div>
        <Content text={p.content} />
      </div>,
    );
  }
  return (
    <div class="log" role="log" aria-label={t("messages")} ref={box} onScroll={onScroll} tabIndex={0}>
      {hasOlder ? (
        <button type="button" class="older" onClick={loadOlder} disabled={loading}>
          {t("older")}
        </button>
      ) : (
        <p class="start">{t("noMore")}</p>
      )}
      {rows}
    </div>
  );
}

function Typists({ channel }) {
  const ids = app.client.typing.in(channel).filter((id) => id !== app.me.id);
  return (
    <p class="typing" aria-live="polite">
      {ids.length ? t("typing", ids.map(nameOf)) : ""}
    </p>
  );
}

export function Chat({ type, id }) {
  const state = useApp();
  const [replyTo, setReplyTo] = useState(null);
  const fallback = state.channels.find((c) => c.channel.type === "organization") ?? state.channels[0];
  useEffect(() => {
    if (!type && fallback) navigate(`/chat/${fallback.channel.type}/${fallback.channel.id}`, true);
  }, [type, fallback?.channel.id]);
  const active = type && id ? { type, id } : null;
  const store = active ? app.client.channel(active) : null;
  const key = active ? `${type}:${id}` : "";

  useEffect(() => {
    if (!active) return undefined;
    watch(store);
    setReplyTo(null);
    const known = app.channels.some((c) => c.channel.type === type && c.channel.id === id);
    if (!known || store.contiguousSeq === undefined) void app.client.join(refOf(type, id)).then(bump, () => undefined);
    return undefined;
  }, [key]);

  // What is on screen is read: move the read pointer when new messages show.
  const unread = store ? store.unreadCount : 0;
  useEffect(() => {
    if (!store || unread === 0 || document.visibilityState !== "visible") return;
    void app.client.markRead(refOf(type, id)).then(bump, () => undefined);
  }, [key, unread, store?.lastSeq]);

  const info = active && state.channels.find((c) => c.channel.type === type && c.channel.id === id);
  const title = !active ? "" : type === "direct" ? nameOf(id) : (info?.channel.name ?? "…");
  useEffect(() => {
    document.title = `${title || t("chat")} · Aurentia`;
  }, [title]);
  return (
    <div class="chat">
      <Sidebar active={active} />
      <main class="conversation" id="main">
        {active ? (
          <>
            <h1>
              {type === "direct" ? <Person userId={id} /> : <>#{title}</>}
            </h1>
            <Log key={key} store={store} channel={refOf(type, id)} onReply={setReplyTo} />
            <Typists channel={active} />
            <Composer channel={refOf(type, id)} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} />
          </>
        ) : (
          <p>{state.channels.length ? t("loading") : t("pickChannel")}</p>
        )}
      </main>
    </div>
  );
}
