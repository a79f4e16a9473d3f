"""Conversations in every kind of channel: the organization's `general` and a second
organization channel, project channels (the client's contact takes part in theirs), a
group and direct messages; with replies, an @mention (which notifies) and reactions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from protocol.chat import ChannelRef, GroupCreate, MessageSend, OrgChannelCreate, ReactionChange
from protocol.enums import ChannelType

from ..services.chat import groups, messages
from .context import Demo
from .people import person


@dataclass(frozen=True)
class Line:
    """One message. `reply_to`: index of an earlier line of the same conversation;
    `mention`: person key written as @email at the end; `reactions`: emoji -> people."""

    author: str
    text: str
    reply_to: int | None = None
    mention: str | None = None
    reactions: tuple[tuple[str, tuple[str, ...]], ...] = ()


GENERAL = (
    Line(
        "sophie",
        "Bienvenue à toutes et à tous sur Aurentia ! Ce canal sert aux annonces du cabinet.",
        reactions=(("👋", ("lea", "hugo", "ines")), ("🎉", ("julien",))),
    ),
    Line(
        "julien",
        "Rappel : merci de saisir vos temps avant vendredi 17 h, la validation se fait lundi.",
        reactions=(("👍", ("maxime", "chloe", "nicolas")),),
    ),
    Line("chloe", "C'est noté, merci Julien !", reply_to=1),
    Line(
        "camille",
        "Nous avons signé la plateforme data sinistres avec la Mutuelle Atlantique ! "
        "Bravo pour la soutenance",
        mention="chloe",
        reactions=(("🎉", ("sophie", "hugo", "lea", "thomas")),),
    ),
)
VEILLE = (
    Line(
        "hugo",
        "Retour du AWS Summit Paris : les nouveautés d'EKS valent le détour, je prépare "
        "une synthèse pour le prochain déjeuner technique.",
        reactions=(("👀", ("maxime", "nicolas")),),
    ),
    Line("maxime", "Je suis preneur, surtout sur la partie Karpenter.", reply_to=0),
)
ESPACE_CLIENT = (
    Line(
        "camille",
        "Point d'avancement : le lot 1 est à 80 %, la recette avec la banque démarre lundi.",
        reactions=(("👍", ("antoine",)),),
    ),
    Line(
        "antoine",
        "Merci. L'équipe métier sera disponible mardi et mercredi pour la recette.",
    ),
    Line("lea", "Parfait, je prépare les jeux de données de test d'ici là.", reply_to=1),
    Line("camille", "Peux-tu organiser les sessions de recette ?", mention="ines"),
    Line("ines", "C'est fait, invitations envoyées pour mardi 10 h.", reply_to=3),
)
MIGRATION = (
    Line(
        "hugo",
        "Le VPN vers Toulouse est encore tombé cette nuit, j'ai ouvert un incident.",
        reactions=(("😬", ("thomas", "maxime")),),
    ),
    Line("thomas", "Je le remonte au comité de pilotage de jeudi.", reply_to=0),
    Line(
        "maxime",
        "La migration des bases prend du retard : la réplication est plus lente que prévu.",
        mention="thomas",
    ),
)
DATA_GROUP = (
    Line(
        "chloe",
        "J'ai partagé le schéma du modèle de données cible, vos retours sont bienvenus.",
        reactions=(("🙏", ("camille",)),),
    ),
    Line("hugo", "Pensez au partitionnement par date de survenance.", reply_to=0),
)
DIRECT = (
    (
        "thomas",
        "maxime",
        (
            Line("thomas", "Tu peux me faire un point sur la migration des bases avant jeudi ?"),
            Line(
                "maxime",
                "Oui, je t'envoie un résumé ce soir.",
                reactions=(("👍", ("thomas",)),),
            ),
        ),
    ),
    (
        "julien",
        "sophie",
        (
            Line(
                "julien",
                "L'acompte de Transports Garonne a quinze jours de retard, je les relance.",
            ),
            Line("sophie", "Merci, tiens-moi au courant.", reply_to=0),
        ),
    ),
)


async def _conversation(demo: Demo, ref: ChannelRef, lines: tuple[Line, ...]) -> None:
    """Post `lines` in `ref`; for a direct channel `ref.id` is the other person of the
    first author, and each line is addressed to the other side."""
    sent: list[uuid.UUID] = []
    first = lines[0].author
    for line in lines:
        channel = ref
        if ref.type is ChannelType.DIRECT and line.author != first:
            channel = ChannelRef(
                type=ChannelType.DIRECT, id=demo.uid(first), organization_id=demo.org_id
            )
        text = line.text
        if line.mention is not None:
            text = f"{text} @{person(line.mention).email(demo.slug)}"
        demo.made["messages"] += 1
        message = await messages.send(
            demo.svc,
            demo.actors[line.author],
            MessageSend(
                channel=channel,
                content=text,
                client_msg_id=f"demo-{demo.made['messages']}",
                parent_id=None if line.reply_to is None else sent[line.reply_to],
            ),
            None,
        )
        sent.append(message.id)
        for emoji, people in line.reactions:
            reaction = ReactionChange(message_id=message.id, emoji=emoji)
            for who in people:
                await messages.react(demo.svc, demo.actors[who], reaction, add=True)
                demo.made["reactions"] += 1


async def populate(demo: Demo, general_id: uuid.UUID) -> None:
    def ref(kind: ChannelType, channel_id: uuid.UUID) -> ChannelRef:
        return ChannelRef(type=kind, id=channel_id, organization_id=demo.org_id)

    await _conversation(demo, ref(ChannelType.ORGANIZATION, general_id), GENERAL)
    veille = await groups.create_org_channel(
        *demo.by("thomas"),
        OrgChannelCreate(name="veille-techno", description="Articles, conférences, retours"),
    )
    await _conversation(demo, ref(ChannelType.ORGANIZATION, veille.id), VEILLE)
    projects: tuple[tuple[str, tuple[Line, ...]], ...] = (
        ("espace-client", ESPACE_CLIENT),
        ("migration-cloud", MIGRATION),
    )
    for key, lines in projects:
        await _conversation(demo, ref(ChannelType.PROJECT, demo.project_channels[key]), lines)
    group = await groups.create_group(
        *demo.by("chloe"),
        GroupCreate(
            name="Équipe data",
            description="Entraide autour des sujets data",
            member_ids=[demo.uid(k) for k in ("hugo", "camille", "nicolas")],
        ),
    )
    await _conversation(demo, ref(ChannelType.GROUP, group.id), DATA_GROUP)
    for author, peer, lines in DIRECT:
        assert lines[0].author == author
        await _conversation(demo, ref(ChannelType.DIRECT, demo.uid(peer)), lines)
