"""A booking's money, as pure arithmetic on plain data.

Every figure a client, a traveller or the accountant sees must add up to the
cent, so rounding is never left to chance:

    deposit          a percent of the total and/or a fixed amount (per paying
                     traveller or not), rounded half-up to the cent, within
                     0 … total
    progress         a percent of the total each, rounded half-up to the cent,
                     capped so the installments so far never exceed the total
    balance          the total minus everything before it: the balance absorbs
                     every rounding, so the installments sum exactly to the total
    shares           an installment split between travellers in proportion to
                     their price (free places weigh 0), largest remainder at the
                     cent, so the shares sum exactly to the installment
    cancellation     the retained amount is a percent of the total set by how
                     many days before arrival the booking is cancelled; the
                     refund is what was paid beyond it, never negative

Amounts are `Decimal` with at most two decimals; an amount with more, a
negative total or a non-finite value is refused with `ValueError` rather than
rounded silently, since a silent rounding is a cent that no longer adds up.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class DepositRule:
    """How much is asked on approval, and when.

    With both `percent` and `fixed` set, the deposit is the fixed one, or the
    higher of the two with `whichever_higher`. Neither set: no deposit.
    """

    percent: Decimal | None = None  # of the total
    fixed: Decimal | None = None  # an amount, per paying traveller with `per_person`
    per_person: bool = False
    whichever_higher: bool = False
    due_days: int = 7  # after approval


@dataclass(frozen=True)
class ProgressRule:
    """An intermediate payment of `percent` of the total, due `days_before_arrival`."""

    days_before_arrival: int
    percent: Decimal


@dataclass(frozen=True)
class ScheduleRules:
    deposit: DepositRule
    progress: tuple[ProgressRule, ...] = ()
    balance_days_before: int = 60  # the balance is due this many days before arrival


class InstallmentKind(StrEnum):
    DEPOSIT = "deposit"
    PROGRESS = "progress"
    BALANCE = "balance"
    FULL = "full"  # deposit and balance in one


@dataclass(frozen=True)
class InstallmentPlan:
    kind: InstallmentKind
    due: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class CancellationTier:
    """Cancelled `min_days_before` days or more before arrival: `retained_percent` of the total is kept."""

    min_days_before: int
    retained_percent: Decimal


DEFAULT_CANCELLATION_TIERS = (
    CancellationTier(60, Decimal(25)),
    CancellationTier(30, Decimal(80)),
    CancellationTier(0, Decimal(100)),
)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount_check(*, amount: Decimal, name: str, allow_negative: bool = False) -> None:
    """Refuse an amount that is not finite, has more than two decimals or (unless allowed) is negative."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, got {amount!r}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{name} must have at most two decimals, got {amount}")
    if amount < 0 and not allow_negative:
        raise ValueError(f"{name} must not be negative, got {amount}")


def _paying_check(paying: int) -> None:
    if paying < 1:
        raise ValueError(f"paying must be at least 1, got {paying}")


def deposit_amount(*, total: Decimal, paying: int, rule: DepositRule) -> Decimal:
    """The deposit asked on `total` for `paying` travellers, to the cent.

    Rounded half-up to the cent, then kept within 0 … total. No percent and no
    fixed amount: 0. `total` >= 0 with at most two decimals and `paying` >= 1,
    or `ValueError`.
    """
    _amount_check(amount=total, name="total")
    _paying_check(paying)
    by_percent = None if rule.percent is None else _cents(total * rule.percent / HUNDRED)
    by_fixed = None if rule.fixed is None else _cents(rule.fixed * (paying if rule.per_person else 1))
    if by_percent is None and by_fixed is None:
        return Decimal("0.00")
    if by_percent is None:
        deposit = by_fixed
    elif by_fixed is None:
        deposit = by_percent
    else:
        deposit = max(by_percent, by_fixed) if rule.whichever_higher else by_fixed
    return min(max(deposit, Decimal("0.00")), _cents(total))


def schedule_build(
    *, total: Decimal, paying: int, arrival: datetime.date, today: datetime.date, rules: ScheduleRules
) -> list[InstallmentPlan]:
    """The installments of a booking approved `today`, summing exactly to `total`.

    The balance is due `rules.balance_days_before` days before arrival. Approved
    on or after that date (inside the balance window), or a total of 0: one FULL
    installment of the whole total, due today. Otherwise, in due-date order:

        deposit   `deposit_amount`, due `due_days` after today but no later
                  than the balance; when it is the whole total, one FULL
                  installment due then
        progress  each rule due strictly between the deposit and the balance,
                  its percent of the total half-up to the cent, capped so the
                  running sum never exceeds the total
        balance   the total minus everything before it

    Installments of 0 are dropped, so every amount is > 0 (unless the total is
    0), has two decimals, and no due date falls after the balance's except the
    FULL one due today. `total` >= 0 with at most two decimals and `paying` >= 1,
    or `ValueError`.
    """
    _amount_check(amount=total, name="total")
    _paying_check(paying)
    total = _cents(total)
    balance_due = arrival - datetime.timedelta(days=rules.balance_days_before)
    if total == 0 or today >= balance_due:
        return [InstallmentPlan(kind=InstallmentKind.FULL, due=today, amount=total)]

    deposit = deposit_amount(total=total, paying=paying, rule=rules.deposit)
    deposit_due = min(today + datetime.timedelta(days=rules.deposit.due_days), balance_due)
    if deposit == total:
        return [InstallmentPlan(kind=InstallmentKind.FULL, due=deposit_due, amount=total)]

    plans = [InstallmentPlan(kind=InstallmentKind.DEPOSIT, due=deposit_due, amount=deposit)]
    running = deposit
    progress_dated = sorted(
        ((arrival - datetime.timedelta(days=rule.days_before_arrival), rule) for rule in rules.progress),
        key=lambda dated: dated[0],
    )
    for due, rule in progress_dated:
        if not deposit_due < due < balance_due:
            continue
        amount = min(max(_cents(total * rule.percent / HUNDRED), Decimal("0.00")), total - running)
        plans.append(InstallmentPlan(kind=InstallmentKind.PROGRESS, due=due, amount=amount))
        running += amount
    plans.append(InstallmentPlan(kind=InstallmentKind.BALANCE, due=balance_due, amount=_cents(total - running)))
    return [plan for plan in plans if plan.amount > 0]


def _integer_weights(weights: Sequence[Decimal]) -> list[int]:
    """The weights scaled by one power of ten into exact integers (their ratios unchanged)."""
    exact = []
    for weight in weights:
        weight = Decimal(weight)
        if not weight.is_finite():
            raise ValueError(f"weights must be finite, got {weight}")
        if weight < 0:
            raise ValueError(f"weights must not be negative, got {weight}")
        exact.append(weight.as_tuple())
    scale = max(0, *(-exponent for _, _, exponent in exact))
    return [int("".join(map(str, digits))) * 10 ** (exponent + scale) for _, digits, exponent in exact]


def shares_split(*, amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` split into one share per weight, in proportion, summing exactly to `amount`.

    Each share is its exact proportional value rounded down to the cent; the
    cents left over go one each to the largest remainders, the earlier index
    first on a tie. A weight of 0 (a free place) gets 0.00, and every share is
    within one cent of its exact value. A negative amount is split as its
    opposite, negated. `amount` with at most two decimals; weights not empty,
    none negative, not all zero; or `ValueError`.
    """
    _amount_check(amount=amount, name="amount", allow_negative=True)
    if not weights:
        raise ValueError("weights must not be empty")
    integers = _integer_weights(weights)
    weight_total = sum(integers)
    if weight_total == 0:
        raise ValueError("weights must not all be zero")

    cents = int(abs(amount).scaleb(2))
    floors = []
    remainders = []
    for weight in integers:
        floor, remainder = divmod(cents * weight, weight_total)
        floors.append(floor)
        remainders.append(remainder)
    left_over = cents - sum(floors)
    by_remainder = sorted(range(len(integers)), key=lambda index: (-remainders[index], index))
    for index in by_remainder[:left_over]:
        floors[index] += 1
    shares = [Decimal(floor) * CENT for floor in floors]
    return [-share for share in shares] if amount < 0 else shares


def cancellation_tier_for(*, days_before: int, tiers: Sequence[CancellationTier]) -> CancellationTier:
    """The tier of a cancellation `days_before` days before arrival.

    The tier with the highest `min_days_before` <= `days_before`; after arrival
    (or below every tier), the tier with the lowest. Tiers in any order; none,
    `ValueError`.
    """
    if not tiers:
        raise ValueError("tiers must not be empty")
    reached = [tier for tier in tiers if tier.min_days_before <= days_before]
    if not reached:
        return min(tiers, key=lambda tier: tier.min_days_before)
    return max(reached, key=lambda tier: tier.min_days_before)


def cancellation_retained(*, total: Decimal, days_before: int, tiers: Sequence[CancellationTier]) -> Decimal:
    """What the operator keeps of `total` on a cancellation `days_before` days before arrival.

    The tier's percent of the total, half-up to the cent. `total` >= 0 with at
    most two decimals, or `ValueError`.
    """
    _amount_check(amount=total, name="total")
    tier = cancellation_tier_for(days_before=days_before, tiers=tiers)
    return _cents(total * tier.retained_percent / HUNDRED)


def refund_due(*, paid: Decimal, retained: Decimal) -> Decimal:
    """What goes back to the client: what was paid beyond the retained amount, never negative.

    So refund + min(paid, retained) == paid, exactly. Both >= 0 with at most
    two decimals, or `ValueError`.
    """
    _amount_check(amount=paid, name="paid")
    _amount_check(amount=retained, name="retained")
    return _cents(max(paid - retained, Decimal("0.00")))
