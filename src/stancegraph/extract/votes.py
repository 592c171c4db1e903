"""Members' votes: the members of a body who vote for a measure take the body's
position on what the measure is about; those who vote against take the opposite.

    The board voted to join the lawsuit against SB 54 ... with yes votes from
    Supervisors Jacob, Gaspar and Horn.              -> each opposes SB 54
    Supervisors Serna, Kennedy and Nottoli voted in favor of the motion.
                                                     -> each takes the board's stance
"""

from __future__ import annotations

from stancegraph.extract.mentions import Mention
from stancegraph.extract.stances import GENERIC, Finding

AGAINST = {"against", "no", "nay", "opposed"}
FOR = {"favor", "favour", "yes", "for", "aye"}


def vote_direction(vote) -> int:
    """+1 for a vote in favour, -1 for one against, read from the vote's own words."""
    for tok in vote.subtree:
        if tok.i != vote.i and tok.head.i != vote.i and tok.head.head.i != vote.i:
            continue
        if tok.lower_ in AGAINST:
            return -1
    return 1


def voters_of(vote, actors: list[Mention]) -> list[Mention]:
    """Officials who cast this vote: its subjects, or "votes from A, B and C"."""
    found = []
    for m in actors:
        if m.type != "official":
            continue
        tok = vote.doc[m.head]
        chain = []
        while tok.head.i != tok.i and len(chain) < 8:
            chain.append(tok)
            tok = tok.head
            if tok.i == vote.i:
                break
        if tok.i != vote.i or not chain:
            continue
        if chain[-1].dep_ in ("nsubj",) or any(t.lower_ == "from" for t in chain):
            found.append(m)
    # "Troxclair cast the lone vote against": the subject of casting a vote
    if vote.dep_ == "dobj" and vote.head.lemma_.lower() in ("cast", "give", "lodge"):
        found += [
            m
            for m in actors
            if m.type == "official"
            and vote.doc[m.head].dep_ == "nsubj"
            and vote.doc[m.head].head.i == vote.head.i
        ]
    return found


def member_votes(
    sent, actors: list[Mention], earlier: list[Finding], found_here: list[Finding]
) -> list[Finding]:
    """Findings for members voting in this sentence, from the latest body-level finding."""
    bodies = [f for f in earlier + found_here if f.actor.type == "government_body"]
    if not bodies:
        return []
    base = bodies[-1]
    done = {id(f.actor) for f in found_here}
    out = []
    for tok in sent:
        if tok.lemma_.lower() != "vote":
            continue
        direction = vote_direction(tok)
        for voter in voters_of(tok, actors):
            if id(voter) in done:
                continue
            if direction > 0:
                stance, relation = base.stance, base.relation
            else:
                stance = "support" if base.stance == "oppose" else "oppose"
                relation = GENERIC[stance]
            out.append(
                Finding(
                    voter, base.target, stance, relation, sent.start_char, sent.end_char, "member"
                )
            )
            done.add(id(voter))
    return out
