"""A booking's money adds up to the cent: deposits, schedules, shares and refunds.

Examples worked out by hand for each rule, then properties over random totals,
groups, dates, rules and weights.
"""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.money import (
    CENT,
    DEFAULT_CANCELLATION_TIERS,
    CancellationTier,
    DepositRule,
    InstallmentKind,
    InstallmentPlan,
    ProgressRule,
    ScheduleRules,
    cancellation_retained,
    cancellation_tier_for,
    deposit_amount,
    refund_due,
    schedule_build,
    shares_split,
)

TODAY = datetime.date(2026, 1, 10)
ARRIVAL = datetime.date(2026, 9, 1)  # balance due 60 days before: 2026-07-03
BALANCE_DUE = datetime.date(2026, 7, 3)


def d(value: str) -> Decimal:
    return Decimal(value)


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


# --- deposit ---------------------------------------------------------------------------------------------------------


def test_percent_deposit():
    # given 30 % of a 14,376.00 total
    rule = DepositRule(percent=d("30"))
    # when the deposit is computed
    deposit = deposit_amount(total=d("14376.00"), paying=30, rule=rule)
    # then it is 4,312.80
    assert deposit == d("4312.80")


def test_percent_deposit_rounds_half_up():
    # given 12.5 % of 0.20 = 0.025
    rule = DepositRule(percent=d("12.5"))
    # when the deposit is computed
    deposit = deposit_amount(total=d("0.20"), paying=1, rule=rule)
    # then the half cent goes up
    assert deposit == d("0.03")


def test_fixed_deposit_per_person():
    # given 150.00 per paying traveller, 30 paying
    rule = DepositRule(fixed=d("150.00"), per_person=True)
    # when the deposit is computed
    deposit = deposit_amount(total=d("14376.00"), paying=30, rule=rule)
    # then it is 150.00 × 30 = 4,500.00
    assert deposit == d("4500.00")


def test_fixed_deposit_not_per_person():
    # given a flat 150.00 for the group
    rule = DepositRule(fixed=d("150.00"))
    # when the deposit is computed for 30 paying
    deposit = deposit_amount(total=d("14376.00"), paying=30, rule=rule)
    # then the group pays 150.00 once
    assert deposit == d("150.00")


def test_whichever_higher_picks_the_bigger():
    # given 30 % (4,312.80) or 150.00 per person × 30 (4,500.00), whichever higher
    rule = DepositRule(percent=d("30"), fixed=d("150.00"), per_person=True, whichever_higher=True)
    # when computed for 30 paying, then 10 paying (1,500.00)
    thirty = deposit_amount(total=d("14376.00"), paying=30, rule=rule)
    ten = deposit_amount(total=d("14376.00"), paying=10, rule=rule)
    # then the fixed wins for 30, the percent for 10
    assert thirty == d("4500.00")
    assert ten == d("4312.80")


def test_both_set_without_whichever_higher_uses_fixed():
    # given percent and fixed without whichever_higher
    rule = DepositRule(percent=d("30"), fixed=d("100.00"), per_person=True)
    # when computed for 10 paying
    deposit = deposit_amount(total=d("14376.00"), paying=10, rule=rule)
    # then the fixed one applies: 1,000.00, although 30 % would be 4,312.80
    assert deposit == d("1000.00")


def test_deposit_capped_at_total():
    # given 150.00 per person × 30 = 4,500.00 on a 3,000.00 total
    rule = DepositRule(fixed=d("150.00"), per_person=True)
    # when computed
    deposit = deposit_amount(total=d("3000.00"), paying=30, rule=rule)
    # then it is the total, never more
    assert deposit == d("3000.00")


def test_no_deposit_rule_is_zero():
    # given neither percent nor fixed
    # when computed
    deposit = deposit_amount(total=d("14376.00"), paying=30, rule=DepositRule())
    # then no deposit
    assert deposit == d("0.00")


def test_negative_deposit_is_zero():
    # given a negative fixed amount
    # when computed
    deposit = deposit_amount(total=d("100.00"), paying=1, rule=DepositRule(fixed=d("-5.00")))
    # then the deposit is 0, never negative
    assert deposit == d("0.00")


# --- schedule --------------------------------------------------------------------------------------------------------


def test_schedule_deposit_then_balance():
    # given 30 % deposit due 7 days after approval, balance 60 days before arrival
    rules = ScheduleRules(deposit=DepositRule(percent=d("30")))
    # when the schedule is built
    plans = schedule_build(total=d("14376.00"), paying=30, arrival=ARRIVAL, today=TODAY, rules=rules)
    # then deposit on 2026-01-17, balance 14,376.00 − 4,312.80 = 10,063.20 on 2026-07-03
    assert plans == [
        InstallmentPlan(kind=InstallmentKind.DEPOSIT, due=datetime.date(2026, 1, 17), amount=d("4312.80")),
        InstallmentPlan(kind=InstallmentKind.BALANCE, due=BALANCE_DUE, amount=d("10063.20")),
    ]


def test_approval_inside_balance_window_is_one_full_installment_due_today():
    # given approval 40 days before arrival, balance window opens 60 days before
    rules = ScheduleRules(deposit=DepositRule(percent=d("30")), progress=(ProgressRule(30, d("20")),))
    today = ARRIVAL - days(40)
    # when the schedule is built
    plans = schedule_build(total=d("14376.00"), paying=30, arrival=ARRIVAL, today=today, rules=rules)
    # then the whole total is due today in one FULL installment
    assert plans == [InstallmentPlan(kind=InstallmentKind.FULL, due=today, amount=d("14376.00"))]


def test_approval_on_balance_due_date_is_full():
    # given approval exactly on the balance due date
    rules = ScheduleRules(deposit=DepositRule(percent=d("30")))
    # when the schedule is built
    plans = schedule_build(total=d("500.00"), paying=2, arrival=ARRIVAL, today=BALANCE_DUE, rules=rules)
    # then one FULL installment due that day
    assert plans == [InstallmentPlan(kind=InstallmentKind.FULL, due=BALANCE_DUE, amount=d("500.00"))]


def test_deposit_due_no_later_than_balance():
    # given a deposit due 30 days after approval, approval 70 days before arrival (balance due in 10 days)
    rules = ScheduleRules(deposit=DepositRule(percent=d("10"), due_days=30))
    today = ARRIVAL - days(70)
    # when the schedule is built
    plans = schedule_build(total=d("1000.00"), paying=4, arrival=ARRIVAL, today=today, rules=rules)
    # then the deposit falls due with the balance
    assert plans == [
        InstallmentPlan(kind=InstallmentKind.DEPOSIT, due=ARRIVAL - days(60), amount=d("100.00")),
        InstallmentPlan(kind=InstallmentKind.BALANCE, due=ARRIVAL - days(60), amount=d("900.00")),
    ]


def test_progress_inside_window_included_outside_dropped():
    # given progress rules at 150 days (2026-04-04, inside), 61 days (2026-07-02, inside),
    # 60 days (the balance date itself, outside) and 300 days (2025-11-05, before the deposit, outside)
    rules = ScheduleRules(
        deposit=DepositRule(percent=d("30")),
        progress=(
            ProgressRule(61, d("10")),
            ProgressRule(300, d("20")),
            ProgressRule(150, d("25")),
            ProgressRule(60, d("15")),
        ),
    )
    # when the schedule is built
    plans = schedule_build(total=d("14376.00"), paying=30, arrival=ARRIVAL, today=TODAY, rules=rules)
    # then deposit 4,312.80; 25 % = 3,594.00; 10 % = 1,437.60; balance 14,376.00 − 9,344.40 = 5,031.60
    assert plans == [
        InstallmentPlan(kind=InstallmentKind.DEPOSIT, due=datetime.date(2026, 1, 17), amount=d("4312.80")),
        InstallmentPlan(kind=InstallmentKind.PROGRESS, due=datetime.date(2026, 4, 4), amount=d("3594.00")),
        InstallmentPlan(kind=InstallmentKind.PROGRESS, due=datetime.date(2026, 7, 2), amount=d("1437.60")),
        InstallmentPlan(kind=InstallmentKind.BALANCE, due=BALANCE_DUE, amount=d("5031.60")),
    ]


def test_progress_capped_at_total_and_zero_balance_dropped():
    # given 60 % deposit and a 70 % progress payment
    rules = ScheduleRules(deposit=DepositRule(percent=d("60")), progress=(ProgressRule(150, d("70")),))
    # when the schedule is built on 1,000.00
    plans = schedule_build(total=d("1000.00"), paying=2, arrival=ARRIVAL, today=TODAY, rules=rules)
    # then the progress payment is capped at the 400.00 left and no balance of 0 remains
    assert plans == [
        InstallmentPlan(kind=InstallmentKind.DEPOSIT, due=datetime.date(2026, 1, 17), amount=d("600.00")),
        InstallmentPlan(kind=InstallmentKind.PROGRESS, due=datetime.date(2026, 4, 4), amount=d("400.00")),
    ]


def test_no_deposit_leaves_only_the_balance():
    # given no deposit rule
    rules = ScheduleRules(deposit=DepositRule())
    # when the schedule is built
    plans = schedule_build(total=d("800.00"), paying=2, arrival=ARRIVAL, today=TODAY, rules=rules)
    # then the zero deposit is dropped
    assert plans == [InstallmentPlan(kind=InstallmentKind.BALANCE, due=BALANCE_DUE, amount=d("800.00"))]


def test_deposit_equal_to_total_is_full_at_deposit_due_date():
    # given a deposit of 150.00 per person × 30 on a 3,000.00 total
    rules = ScheduleRules(
        deposit=DepositRule(fixed=d("150.00"), per_person=True), progress=(ProgressRule(150, d("10")),)
    )
    # when the schedule is built
    plans = schedule_build(total=d("3000.00"), paying=30, arrival=ARRIVAL, today=TODAY, rules=rules)
    # then one FULL installment due with the deposit
    assert plans == [InstallmentPlan(kind=InstallmentKind.FULL, due=datetime.date(2026, 1, 17), amount=d("3000.00"))]


def test_zero_total_is_one_full_installment_of_zero_due_today():
    # given a total of 0
    rules = ScheduleRules(deposit=DepositRule(percent=d("30")))
    # when the schedule is built
    plans = schedule_build(total=d("0.00"), paying=5, arrival=ARRIVAL, today=TODAY, rules=rules)
    # then one FULL installment of 0.00 due today
    assert plans == [InstallmentPlan(kind=InstallmentKind.FULL, due=TODAY, amount=d("0.00"))]


@pytest.mark.parametrize(
    ("total", "paying"),
    [(d("-0.01"), 1), (d("10.001"), 1), (d("NaN"), 1), (d("Infinity"), 1), (d("10.00"), 0)],
)
def test_schedule_refuses_bad_total_or_paying(total, paying):
    # given a negative total, more than two decimals, a non-finite total, or nobody paying
    rules = ScheduleRules(deposit=DepositRule(percent=d("30")))
    # when / then the schedule is refused
    with pytest.raises(ValueError):
        schedule_build(total=total, paying=paying, arrival=ARRIVAL, today=TODAY, rules=rules)


# --- shares ----------------------------------------------------------------------------------------------------------


def test_shares_equal_weights_leftover_cent_to_the_first():
    # given 100.00 over three equal weights: 33.333… each, one cent left over
    # when split
    shares = shares_split(amount=d("100.00"), weights=[d("1"), d("1"), d("1")])
    # then the earlier index takes the leftover cent
    assert shares == [d("33.34"), d("33.33"), d("33.33")]


def test_shares_zero_weight_gets_zero():
    # given a free place (weight 0) between two paying travellers at 500.00 and 1,000.00
    # when 100.00 is split
    shares = shares_split(amount=d("100.00"), weights=[d("500.00"), d("0"), d("1000.00")])
    # then 33.333… → 33.33, 0.00, 66.666… → 66.67 (the larger remainder takes the cent)
    assert shares == [d("33.33"), d("0.00"), d("66.67")]


def test_shares_proportional_to_prices():
    # given per-person prices 479.20 and 239.60 (2 : 1)
    # when 4,312.80 is split
    shares = shares_split(amount=d("4312.80"), weights=[d("479.20"), d("239.60")])
    # then exactly 2,875.20 and 1,437.60
    assert shares == [d("2875.20"), d("1437.60")]


@pytest.mark.parametrize("weights", [[], [d("0"), d("0")], [d("1"), d("-1")]])
def test_shares_refuse_bad_weights(weights):
    # given no weights, all zero, or a negative weight
    # when / then the split is refused
    with pytest.raises(ValueError):
        shares_split(amount=d("100.00"), weights=weights)


# --- cancellation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "percent", "retained"),
    [
        (60, d("25"), d("3594.00")),
        (59, d("80"), d("11500.80")),
        (30, d("80"), d("11500.80")),
        (29, d("100"), d("14376.00")),
        (0, d("100"), d("14376.00")),
        (-1, d("100"), d("14376.00")),
    ],
)
def test_cancellation_tiers(days_before, percent, retained):
    # given the default tiers and a 14,376.00 total
    # when cancelled days_before days before arrival
    tier = cancellation_tier_for(days_before=days_before, tiers=DEFAULT_CANCELLATION_TIERS)
    kept = cancellation_retained(total=d("14376.00"), days_before=days_before, tiers=DEFAULT_CANCELLATION_TIERS)
    # then the tier's percent of the total is retained
    assert tier.retained_percent == percent
    assert kept == retained


def test_cancellation_tiers_in_any_order():
    # given the default tiers shuffled
    tiers = (DEFAULT_CANCELLATION_TIERS[1], DEFAULT_CANCELLATION_TIERS[2], DEFAULT_CANCELLATION_TIERS[0])
    # when looked up at 45 days
    tier = cancellation_tier_for(days_before=45, tiers=tiers)
    # then the 30-day tier applies
    assert tier == CancellationTier(30, d("80"))


def test_cancellation_below_every_tier_takes_the_lowest():
    # given tiers starting at 10 days
    tiers = (CancellationTier(30, d("50")), CancellationTier(10, d("90")))
    # when cancelled after arrival
    tier = cancellation_tier_for(days_before=-3, tiers=tiers)
    # then the lowest tier applies
    assert tier == CancellationTier(10, d("90"))


def test_cancellation_without_tiers_refused():
    # given no tiers / when / then refused
    with pytest.raises(ValueError):
        cancellation_tier_for(days_before=10, tiers=())


def test_cancellation_retained_rounds_half_up():
    # given 25 % of 0.10 = 0.025
    # when retained at 60 days
    kept = cancellation_retained(total=d("0.10"), days_before=60, tiers=DEFAULT_CANCELLATION_TIERS)
    # then 0.03
    assert kept == d("0.03")


def test_refund_is_paid_beyond_retained():
    # given 5,000.00 paid and 3,594.00 retained, then 3,000.00 paid
    # when the refunds are computed
    # then 1,406.00 goes back, then nothing
    assert refund_due(paid=d("5000.00"), retained=d("3594.00")) == d("1406.00")
    assert refund_due(paid=d("3000.00"), retained=d("3594.00")) == d("0.00")


# --- properties ------------------------------------------------------------------------------------------------------


def two_decimals(low: str, high: str):
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False, allow_infinity=False)


def percents():
    return st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


deposit_rules = st.builds(
    DepositRule,
    percent=st.none() | percents(),
    fixed=st.none() | two_decimals("0", "10000"),
    per_person=st.booleans(),
    whichever_higher=st.booleans(),
    due_days=st.integers(min_value=0, max_value=90),
)
schedule_rules = st.builds(
    ScheduleRules,
    deposit=deposit_rules,
    progress=st.lists(
        st.builds(ProgressRule, days_before_arrival=st.integers(min_value=0, max_value=500), percent=percents()),
        max_size=5,
    ).map(tuple),
    balance_days_before=st.integers(min_value=0, max_value=150),
)
dates = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    total=two_decimals("0", "500000"),
    paying=st.integers(min_value=1, max_value=200),
    today=dates,
    ahead=st.integers(min_value=-30, max_value=800),
    rules=schedule_rules,
)
def test_schedule_always_adds_up(total, paying, today, ahead, rules):
    # given any total, group, approval date, arrival and rules
    arrival = today + days(ahead)
    balance_due = arrival - days(rules.balance_days_before)
    # when the schedule is built
    plans = schedule_build(total=total, paying=paying, arrival=arrival, today=today, rules=rules)
    # then the installments sum exactly to the total, all positive (unless the total is 0), to the cent,
    # in date order, none after the balance except a FULL installment due today
    assert plans
    assert sum(plan.amount for plan in plans) == total
    if total == 0:
        assert plans == [InstallmentPlan(kind=InstallmentKind.FULL, due=today, amount=total)]
    assert all(plan.amount > 0 for plan in plans) or total == 0
    assert all(plan.amount == plan.amount.quantize(CENT) for plan in plans)
    assert all(plan.amount.as_tuple().exponent == -2 for plan in plans)
    assert [plan.due for plan in plans] == sorted(plan.due for plan in plans)
    for plan in plans:
        assert plan.due <= balance_due or (plan.kind == InstallmentKind.FULL and plan.due == today)
    if len(plans) > 1:
        assert InstallmentKind.FULL not in {plan.kind for plan in plans}


@settings(max_examples=300, deadline=None)
@given(
    amount=two_decimals("0", "500000"),
    weights=st.lists(two_decimals("0", "5000") | st.just(Decimal(0)), min_size=1, max_size=60).filter(any),
)
def test_shares_always_add_up_within_a_cent(amount, weights):
    # given any installment and any traveller weights (free places weigh 0)
    # when it is split
    shares = shares_split(amount=amount, weights=weights)
    # then the shares sum exactly to the installment, each within one cent of its exact proportional value
    assert len(shares) == len(weights)
    assert sum(shares) == amount
    weight_total = sum(Fraction(weight) for weight in weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(amount) * Fraction(weight) / weight_total
        assert abs(Fraction(share) - exact) < Fraction(1, 100)
        assert share.as_tuple().exponent == -2
        if weight == 0:
            assert share == 0


@settings(max_examples=300, deadline=None)
@given(
    paid=two_decimals("0", "500000"),
    total=two_decimals("0", "500000"),
    days_before=st.integers(min_value=-30, max_value=400),
    tiers=st.lists(
        st.builds(
            CancellationTier, min_days_before=st.integers(min_value=0, max_value=120), retained_percent=percents()
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_refund_and_retained_make_up_what_was_paid(paid, total, days_before, tiers):
    # given any payment and any cancellation tier
    retained = cancellation_retained(total=total, days_before=days_before, tiers=tiers)
    # when the refund is computed
    refund = refund_due(paid=paid, retained=retained)
    # then refund + what is kept make up exactly what was paid, never a negative refund
    assert refund >= 0
    assert refund + min(paid, retained) == paid
