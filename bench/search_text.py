"""Deterministic French chat text for the search benchmark: no downloads, the same
messages on every run for the same seq.

Words are drawn from a Zipf distribution (s = 1) over a ranked vocabulary: real words of
an IT consulting firm first (accented ones among them, a few two-word phrases as units so
a quoted phrase has hits), then a long tail of made-up words built from French syllables.
So, over 1M messages, the top words are in a large share of messages, "équipe" in a few
percent, and the planted tail word "hippocampe" in a few dozen: terms of realistic
selectivity. French stop words ("le", "de", ...) fill between them as in real text.
"""

from __future__ import annotations

import itertools
import random
from functools import cache


def _words(text: str) -> list[str]:
    return text.split()


# Ranked from the most frequent; "équipe" is searched as "equipe", "réunion client" is a
# phrase query, "facture OR devis" an alternative, "projet -client" an exclusion.
COMMON = _words(
    """
projet client réunion tâche livraison facture devis développement déploiement
mise production données serveur échéance priorité réseau mission consultant budget
planning recette cahier charges spécification intégration évolution anomalie correctif
migration sauvegarde contrat prestataire démarrage comité pilotage jalon retard congés
télétravail formation compétence architecture fonctionnalité interface utilisateur
préparer vérifier envoyer valider relancer corriger déployer tester planifier réviser
lundi mardi mercredi jeudi vendredi demain hier semaine mois trimestre année rapide
urgent complexe simple précis général nécessaire prêt terminé bloqué résolu côté accès
problème système équipe mémoire qualité sûreté expérience stratégie sécurité référentiel
hébergement métier exigence bibliothèque procédure modèle événement requête réponse
délai coût marché étude présentation synthèse compte rendu maquette écran portail
"""
)
PHRASES = ["réunion client", "mise en production", "point d'équipe", "compte rendu"]
FILLER = _words(
    """
le la les de des du un une et à pour sur avec dans est on nous je il ce qui que pas
plus au aux en par se sont a été bien très aussi donc mais ou
"""
)
RARE = "hippocampe"  # planted deep in the tail
_ONSETS = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "gr", "pl", "tr"]
_VOWELS = ["a", "e", "é", "è", "i", "o", "ou", "u", "ê", "â", "ai", "on", "an"]
_CODAS = ["", "", "", "r", "l", "s", "n"]
_ENDINGS = ["", "ement", "tion", "age", "ité", "eur", "ière", "ique", "oire", "ance"]


@cache
def vocabulary(tail: int = 40_000) -> tuple[list[str], list[float]]:
    """The ranked content vocabulary and its cumulative Zipf weights."""
    rng = random.Random(2026)
    words: list[str] = []
    for i, word in enumerate(COMMON):
        words.append(word)
        if i % 25 == 24 and PHRASES[(i // 25) % len(PHRASES)] not in words:
            words.append(PHRASES[(i // 25) % len(PHRASES)])
    seen = set(words)
    while len(words) < len(COMMON) + tail:
        syllables = rng.choice([1, 2, 2, 3])
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        ) + rng.choice(_ENDINGS)
        if word not in seen:
            seen.add(word)
            words.append(word)
    words.insert(len(words) * 3 // 4, RARE)
    weights = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))
    return words, weights


def message(rng: random.Random) -> str:
    """One chat message: 5 to 16 content words with stop words between them."""
    words, weights = vocabulary()
    content = rng.choices(words, cum_weights=weights, k=rng.randint(5, 16))
    out = []
    for word in content:
        if rng.random() < 0.6:
            out.append(rng.choice(FILLER))
        out.append(word)
    text = " ".join(out)
    return text[0].upper() + text[1:] + rng.choice([".", ".", " ?", " !", ""])


def messages(first_seq: int, count: int) -> list[str]:
    """Messages for seqs first_seq .. first_seq + count - 1: the same on every run (the
    generator is seeded by the batch's first seq)."""
    rng = random.Random(f"search-bench-{first_seq}")
    return [message(rng) for _ in range(count)]
