"""Routing many qualified leads at once (imports, bulk rescoring): the same rules as
`route_decide` — account owner, then the first matching territory, then the default team,
then smooth weighted round-robin — evaluated per batch instead of per lead. The teams'
round-robin rows are locked for the batch, so live routing and a bulk run take turns in
one sequence, and the turns' state is written back once."""

from collections import defaultdict
from dataclasses import dataclass

import polars as pl
from django.db.models import F

from accord.definitions.vectorised import casefold
from accord.people.models import RoundRobinTurn, Team, Territory, User
from accord.routing.services import is_available

COLUMNS = {
    "account_owner_id": pl.Int64,
    "country": pl.String,
    "region": pl.String,
    "industry": pl.String,
    "company_size": pl.Int64,
}


@dataclass(frozen=True, slots=True)
class BulkDecision:
    owner_id: int | None
    team_id: int | None
    rule: str
    explanation: str
    owner_email: str | None = None
    team_name: str | None = None


def _territory_condition(territory: Territory) -> pl.Expr:
    condition = pl.lit(True)
    if territory.countries:
        condition = condition & pl.col("country").is_in([c.code for c in territory.countries]).fill_null(False)
    if territory.regions:
        wanted = [r.casefold() for r in territory.regions]
        condition = condition & casefold(pl.col("region")).is_in(wanted).fill_null(False)
    if territory.industries:
        wanted = [i.casefold() for i in territory.industries]
        condition = condition & casefold(pl.col("industry")).is_in(wanted).fill_null(False)
    if territory.min_company_size is not None:
        condition = condition & (pl.col("company_size") >= territory.min_company_size).fill_null(False)
    if territory.max_company_size is not None:
        condition = condition & (pl.col("company_size") <= territory.max_company_size).fill_null(False)
    return condition


def route_many(leads: pl.DataFrame) -> list[BulkDecision]:
    """One decision per row of `leads` (columns: account_owner_id, country, region,
    industry, company_size), in row order. Must run in a transaction: it takes turns."""
    if leads.height == 0:
        return []
    # Columns that are missing, or all empty (a frame built from dicts types them Null), as typed nulls.
    leads = leads.select(
        (pl.col(name).cast(dtype) if name in leads.columns else pl.lit(None, dtype)).alias(name)
        for name, dtype in COLUMNS.items()
    )
    users = {u.pk: u for u in User.objects.filter(role="sales_rep", is_active=True).select_related("team")}
    available = {pk: user for pk, user in users.items() if is_available(user)}
    other_owners = set(leads["account_owner_id"].drop_nulls().unique().to_list()) - set(users)
    users.update(User.objects.in_bulk(other_owners))  # named when they cannot take the lead
    territories = list(Territory.objects.select_related("team").order_by("priority", "name"))
    default_team = Team.objects.filter(is_default=True).first()

    territory_index = pl.lit(None, pl.Int32)
    for index in reversed(range(len(territories))):
        territory_index = (
            pl.when(_territory_condition(territories[index])).then(pl.lit(index)).otherwise(territory_index)
        )
    owners = leads.select(pl.col("account_owner_id"), territory_index.alias("territory")).rows()

    needs_turn: dict[int, list[int]] = defaultdict(list)  # team id → row positions
    decisions: list[BulkDecision | tuple] = []
    for position, (account_owner_id, territory) in enumerate(owners):
        owner = available.get(account_owner_id)
        if owner is not None:
            decisions.append(
                BulkDecision(
                    owner.pk,
                    owner.team_id,
                    "account_owner",
                    "Owner of the lead's account",
                    owner.email,
                    owner.team.name if owner.team_id else None,
                )
            )
            continue
        skipped = (
            f"Account owner {users.get(account_owner_id) or 'unknown'} is unavailable; " if account_owner_id else ""
        )
        if territory is not None:
            team = territories[territory].team
            rule, why = "territory", f"{skipped}Territory {territories[territory].name} → team {team}"
        elif default_team is not None:
            team, rule, why = (
                default_team,
                "default_team",
                f"{skipped}No territory matches → default team {default_team}",
            )
        else:
            decisions.append(
                BulkDecision(None, None, "unrouted", f"{skipped}No territory matches and there is no default team")
            )
            continue
        decisions.append((team, rule, why))
        needs_turn[team.pk].append(position)

    for team_id, positions in sorted(needs_turn.items()):  # teams locked in one order: no deadlock
        chosen = _take_turns(team_id, len(positions), available)
        for position, rep in zip(positions, chosen, strict=True):
            team, rule, why = decisions[position]
            if rep is None:
                decisions[position] = BulkDecision(None, team.pk, rule, f"{why}; no rep available", None, team.name)
            else:
                decisions[position] = BulkDecision(
                    rep.pk, team.pk, rule, f"{why}; round-robin → {rep}", rep.email, team.name
                )
    return decisions


def _take_turns(team_id: int, count: int, available: dict[int, User]) -> list[User | None]:
    """`count` consecutive smooth weighted round-robin turns of one team, as
    `round_robin_take_turn` would take them one by one."""
    Team.objects.select_for_update().filter(pk=team_id).values_list("pk").first()
    members = sorted((u for u in available.values() if u.team_id == team_id), key=lambda u: u.pk)
    if not members:
        return [None] * count
    RoundRobinTurn.objects.bulk_create(
        [RoundRobinTurn(team_id=team_id, member=m) for m in members], ignore_conflicts=True
    )
    turns = {t.member_id: t for t in RoundRobinTurn.objects.filter(team_id=team_id, member__in=members)}
    weights = {m.pk: turns[m.pk].current_weight for m in members}
    assigned = dict.fromkeys(weights, 0)
    total = sum(m.capacity for m in members)
    chosen: list[User | None] = []
    for _ in range(count):
        pick = max(members, key=lambda m: (weights[m.pk] + m.capacity, -m.pk))
        for member in members:
            weights[member.pk] += member.capacity
        weights[pick.pk] -= total
        assigned[pick.pk] += 1
        chosen.append(pick)
    for member in members:
        RoundRobinTurn.objects.filter(pk=turns[member.pk].pk).update(
            current_weight=weights[member.pk], assigned_count=F("assigned_count") + assigned[member.pk]
        )
    return chosen
