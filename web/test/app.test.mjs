// The web app in a real browser against a real server: two people chat live, react, see
// each other's presence and typing; a card dragged by one moves on the other's board; the
// bell counts a mention; a message typed while the server restarts arrives once; axe-core
// finds no violation on any page. Screenshots go to web/screenshots/.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { io } from "socket.io-client";
import { TestServer, axe, browser, mailedToken, register, screenshot, signedIn, world } from "./helpers.mjs";

let server;
let chromium;
let w;
let alice;
let bob;

const log = (page) => page.getByRole("log");
const composer = (page) => page.getByRole("textbox", { name: "Message", exact: true });
const bell = (page) => page.getByRole("button", { name: "Notifications", exact: true });
const until = async (what, check, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const noViolations = async (page, name) => {
  await screenshot(page, name);
  assert.deepEqual(await axe(page), [], `axe-core on ${name}`);
};

before(async () => {
  server = await new TestServer().start();
  w = await world(server.url);
  chromium = await browser();
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

test("sign-in page: named fields, reset link, no axe violation; / leads to it", async () => {
  const context = await chromium.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await page.goto("/");
  assert.match(page.url(), /\/app\/$/);
  await page.getByRole("textbox", { name: "Adresse e-mail", exact: true }).waitFor();
  await page.getByLabel("Mot de passe", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Se connecter", exact: true }).waitFor();
  await noViolations(page, "01-sign-in");
  await page.getByLabel("Adresse e-mail").fill(w.alice.email);
  await page.getByLabel("Mot de passe", { exact: true }).fill("wrong password 123456");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("alert").waitFor();
  await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
  await page.getByRole("button", { name: "Envoyer le lien" }).waitFor();
  await noViolations(page, "02-forgot-password");
  // Carol forgets her password: the mailed link (through the server's /reset-password
  // redirect) sets a new one, which signs her in.
  const carol = await register(server.url, "Carol");
  await page.getByLabel("Adresse e-mail").fill(carol.email);
  await page.getByRole("button", { name: "Envoyer le lien" }).click();
  await page.getByRole("status").filter({ hasText: "lien" }).waitFor();
  const token = await mailedToken(server.url, carol.email, "reset-password");
  await page.goto(`/reset-password?token=${token}`);
  assert.match(page.url(), /\/app\/reset-password\?token=/);
  await page.getByRole("textbox", { name: "Nouveau mot de passe" }).fill("a brand new password 2026");
  await noViolations(page, "02b-reset-password");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByRole("status").filter({ hasText: "Mot de passe changé" }).waitFor();
  await page.getByRole("link", { name: "Retour à la connexion" }).click();
  await page.getByLabel("Adresse e-mail").fill(carol.email);
  await page.getByLabel("Mot de passe", { exact: true }).fill("a brand new password 2026");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("navigation", { name: "Canaux", exact: true }).waitFor();
  await context.close();
});

test("two people chat live, react, see each other's presence and typing", async () => {
  alice = await signedIn(chromium, server.url, w.alice);
  bob = await signedIn(chromium, server.url, w.bob);
  for (const page of [alice, bob]) {
    await page.getByRole("navigation", { name: "Canaux" }).getByRole("link", { name: /general/ }).click();
    await log(page).waitFor();
  }
  // Presence: each sees the other online in the direct messages.
  const bobDot = alice.locator(`nav[aria-label="Canaux"] a[href$="/direct/${w.bob.id}"] .dot`);
  await until("Bob online for Alice", async () => (await bobDot.getAttribute("data-status")) === "online");
  const aliceDot = bob.locator(`nav[aria-label="Canaux"] a[href$="/direct/${w.alice.id}"] .dot`);
  await until("Alice online for Bob", async () => (await aliceDot.getAttribute("data-status")) === "online");

  await composer(alice).fill("Bonjour Bob, on commence ?");
  await composer(alice).press("Enter");
  await log(bob).getByText("Bonjour Bob, on commence ?").waitFor();
  assert.equal(await composer(alice).inputValue(), "");

  // Typing: Bob types, Alice sees it.
  await composer(bob).pressSequentially("Oui, j'arr");
  await alice.getByText("Bob Test écrit…").waitFor();
  await composer(bob).press("Enter");
  await log(alice).getByText("Oui, j'arr").waitFor();

  // Reactions: Bob adds 👍 on Alice's message by a click; Alice sees it, then Bob removes it.
  const message = log(bob).locator(".msg", { hasText: "Bonjour Bob, on commence ?" });
  await message.getByRole("button", { name: "Réagir avec 👍" }).click();
  const seen = log(alice).locator(".msg", { hasText: "Bonjour Bob, on commence ?" }).getByRole("button", { name: /^👍 1/ });
  await seen.waitFor();
  await message.getByRole("button", { name: /^👍 1, retirer ma réaction/ }).click();
  await seen.waitFor({ state: "detached" });

  // A reply, an edit and a deletion (tombstone), live on the other side.
  await message.getByRole("button", { name: "Répondre" }).click();
  await composer(bob).fill("Je réponds au fil");
  await composer(bob).press("Enter");
  await log(alice).locator(".msg", { hasText: "Je réponds au fil" }).getByText(/Réponse à Alice Test/).waitFor();
  const mine = log(alice).locator(".msg", { hasText: "Bonjour Bob, on commence ?" });
  await mine.getByRole("button", { name: "Modifier" }).click();
  await alice.getByRole("textbox", { name: "Modifier le message" }).fill("Bonjour Bob, on commence à 10 h ?");
  await alice.getByRole("textbox", { name: "Modifier le message" }).press("Enter");
  await log(bob).locator(".msg", { hasText: "on commence à 10 h" }).getByText("(modifié)").waitFor();
  const bobs = log(bob).locator(".msg", { hasText: "Oui, j'arr" });
  await bobs.getByRole("button", { name: "Supprimer" }).click();
  await log(alice).getByText("Message supprimé").waitFor();

  await noViolations(alice, "03-chat");
  await bob.getByRole("navigation", { name: "Canaux" }).getByRole("link", { name: /Alice Test/ }).click();
  await composer(bob).fill("Un message direct");
  await composer(bob).press("Enter");
  // Alice has it unread; opening the conversation reads it, and Bob sees the receipt.
  const direct = alice.getByRole("navigation", { name: "Canaux" }).getByRole("link", { name: /Bob Test/ });
  await direct.getByText("1 non lu").waitFor();
  await direct.click();
  await log(alice).getByText("Un message direct").waitFor();
  await log(bob).locator(".msg", { hasText: "Un message direct" }).getByText("Lu", { exact: true }).waitFor();
  await noViolations(bob, "04-direct");
  await alice.getByRole("navigation", { name: "Canaux" }).getByRole("link", { name: /general/ }).click();
});

test("the bell counts a mention live, and marks it read", async () => {
  const badge = bob.locator(".bell .badge");
  const before = (await badge.count()) ? Number(await badge.textContent()) : 0;
  await composer(alice).pressSequentially("Regarde ça @Bo");
  await alice.getByRole("listbox", { name: "Personnes à mentionner" }).getByRole("option", { name: /Bob Test/ }).waitFor();
  await noViolations(alice, "05a-mention-autocomplete");
  await composer(alice).press("Enter"); // picks the person
  await composer(alice).pressSequentially("merci");
  assert.match(await composer(alice).inputValue(), new RegExp(`@${w.bob.email} merci`));
  await composer(alice).press("Enter");
  await log(alice).locator(".mention", { hasText: "@Bob Test" }).waitFor();
  await until("Bob's badge", async () => (await badge.count()) && Number(await badge.textContent()) === before + 1);
  await composer(alice).fill(`Et encore @${w.bob.email}`);
  await composer(alice).press("Enter");
  await until("Bob's badge", async () => (await badge.count()) && Number(await badge.textContent()) === before + 2);
  await bell(bob).click();
  await bob.getByRole("region", { name: "Notifications" }).waitFor();
  await noViolations(bob, "05-notifications");
  // Mark the mention read by itself, then everything.
  const panel = bob.getByRole("region", { name: "Notifications" });
  await panel.getByRole("button", { name: /^Marquer comme lue/ }).first().click();
  await until("one fewer unread", async () => Number(await badge.textContent()) === before + 1);
  await bob.getByRole("button", { name: "Tout marquer comme lu" }).click();
  await badge.waitFor({ state: "detached" });
  assert.ok(await bob.getByRole("button", { name: "Tout marquer comme lu" }).isDisabled());
  await bob.getByRole("button", { name: "Fermer" }).click();
});

test("a card dragged by one moves live on the other's board; keyboard moves too", async () => {
  for (const page of [alice, bob]) {
    await page.getByRole("link", { name: "Projets", exact: true }).click();
    await page.getByRole("link", { name: "Refonte du portail" }).click();
    await page.getByRole("region", { name: "Tableau", exact: true }).waitFor();
  }
  await noViolations(alice, "06-board");
  const board = (page) => page.getByRole("region", { name: "Tableau", exact: true });
  const column = (page, name) => board(page).getByRole("list", { name: new RegExp(`^${name}`) });
  assert.equal(await board(alice).getByRole("list").count(), 4);
  await column(alice, "À faire").getByRole("link", { name: "Maquettes" }).waitFor();
  await alice.dragAndDrop(`li[data-task="${w.tasks[0].id}"]`, 'ul[data-column="IN_PROGRESS"]');
  await column(bob, "En cours").getByRole("link", { name: "Maquettes" }).waitFor();
  // Bob moves "Recette" right with the keyboard; Alice sees it in "En cours" too.
  await column(bob, "À faire").getByRole("link", { name: "Recette" }).focus();
  await bob.keyboard.press("Shift+ArrowRight");
  await column(alice, "En cours").getByRole("link", { name: "Recette" }).waitFor();
  await column(bob, "En cours").getByRole("link", { name: "Recette" }).click();
  await bob.getByRole("complementary").getByRole("heading", { name: "Recette" }).waitFor();
  await noViolations(bob, "07-task-detail");
});

test("the other pages: projects, health, timesheet, validation have no axe violation", async () => {
  await alice.getByRole("link", { name: "Projets", exact: true }).click();
  await alice.getByRole("link", { name: "Refonte du portail" }).waitFor();
  await noViolations(alice, "08-projects");
  await alice.getByRole("link", { name: "Santé du projet" }).first().click();
  await alice.getByRole("heading", { name: /Santé · Refonte du portail/ }).waitFor();
  await alice.getByRole("heading", { name: "Historique du score" }).waitFor();
  await noViolations(alice, "09-health");
  await alice.getByRole("link", { name: "Feuille de temps" }).click();
  await alice.getByRole("button", { name: "Soumettre" }).waitFor();
  const monday = alice.getByRole("textbox", { name: /^Heures sur Refonte du portail/ }).first();
  await monday.fill("7,5");
  await alice.getByRole("button", { name: "Soumettre" }).click();
  await alice.getByRole("status").filter({ hasText: "Semaine soumise." }).waitFor();
  assert.equal(await monday.inputValue(), "7.5");
  await noViolations(alice, "10-timesheet");
  await alice.getByRole("link", { name: "Validation" }).click();
  await alice.getByRole("heading", { name: "Temps à valider" }).waitFor();
  await alice.getByRole("cell", { name: "Refonte du portail" }).waitFor();
  await noViolations(alice, "11-validation");
  await alice.getByRole("button", { name: /^Valider/ }).click();
  await alice.getByText("Rien à valider.").waitFor();
  // The organization switcher: another organization has none of these projects.
  await alice.getByRole("combobox", { name: "Organisation" }).selectOption({ label: w.other.name });
  await alice.getByRole("link", { name: "Projets", exact: true }).click();
  await alice.getByRole("heading", { name: "Projets", level: 1 }).waitFor();
  await until("the other organization's projects", async () => (await alice.locator(".project").count()) === 0);
  await alice.getByRole("combobox", { name: "Organisation" }).selectOption({ label: w.org.name });
  await alice.getByRole("main").getByRole("link", { name: "Refonte du portail" }).waitFor();
});

test("English for a user whose profile says so", async () => {
  const res = await fetch(`${server.url}/api/v1/me`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${w.bob.token}` },
    body: JSON.stringify({ locale: "en" }),
  });
  assert.equal(res.status, 200, await res.text());
  const page = await signedIn(chromium, server.url, w.bob);
  await page.getByRole("link", { name: "Chat", exact: true }).waitFor();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  await page.getByRole("link", { name: "Projects", exact: true }).click();
  await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
  await page.getByRole("main").getByRole("link", { name: "Refonte du portail" }).waitFor();
  assert.match(await page.locator(".project .muted").first().textContent(), /Jan 2026/);
  await noViolations(page, "13-english");
  await page.context().close();
});

test("older history loads upward, with day separators", async () => {
  // 120 messages from Bob (over the 100 a channel loads first), sent by socket.io-client.
  const socket = io(server.url, { auth: { token: w.bob.token }, transports: ["websocket"] });
  await new Promise((ok) => socket.once("session", ok));
  const channel = { type: "organization", id: w.general.id };
  for (let i = 1; i <= 120; i++) {
    const ack = await socket.emitWithAck("message:send", { channel, content: `Historique ${i}`, client_msg_id: randomUUID() });
    assert.ok(ack.ok, JSON.stringify(ack));
  }
  socket.close();
  await alice.goto(`/app/chat/organization/${w.general.id}`);
  await log(alice).getByText("Historique 120", { exact: true }).waitFor();
  assert.equal(await log(alice).getByText("Historique 1", { exact: true }).count(), 0);
  // Scrolling to the top loads the older page (the button does the same for keyboards).
  await until("the oldest message", async () => {
    await log(alice).evaluate((el) => {
      el.scrollTop = 0;
    });
    return (await log(alice).getByText("Historique 1", { exact: true }).count()) === 1;
  });
  await log(alice).getByText("Début de la conversation").waitFor();
  assert.ok((await log(alice).getByRole("separator").count()) >= 1);
  assert.equal(await log(alice).getByText("Historique 60", { exact: true }).count(), 1);
});

test("a message typed while the server restarts is sent after it and shown once", async () => {
  for (const page of [alice, bob]) {
    await page.getByRole("link", { name: "Discussion", exact: true }).click();
    await page.getByRole("navigation", { name: "Canaux" }).getByRole("link", { name: /general/ }).click();
    await log(page).waitFor();
  }
  await server.kill();
  await alice.getByText("Connexion perdue : reconnexion…").waitFor();
  await screenshot(alice, "12-reconnecting");
  await composer(alice).fill("Envoyé pendant la coupure");
  await composer(alice).press("Enter");
  await log(alice).locator(".msg.pending", { hasText: "Envoyé pendant la coupure" }).waitFor();
  await server.start();
  await log(bob).getByText("Envoyé pendant la coupure").waitFor({ timeout: 60_000 });
  await log(alice).locator(".msg:not(.pending)", { hasText: "Envoyé pendant la coupure" }).waitFor({ timeout: 60_000 });
  await alice.getByText("Connexion perdue : reconnexion…").waitFor({ state: "hidden" });
  await new Promise((r) => setTimeout(r, 500));
  for (const page of [alice, bob]) {
    assert.equal(await log(page).getByText("Envoyé pendant la coupure").count(), 1);
  }
  await alice.reload();
  await log(alice).getByText("Envoyé pendant la coupure").waitFor();
  assert.equal(await log(alice).getByText("Envoyé pendant la coupure").count(), 1);
});
