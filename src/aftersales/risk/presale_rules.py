"""Pre-sale delay risk (延期收货提醒): will a pre-sale order ship after the date it promised? Pure.

Three signals, each read as a probability of lateness and combined as independent risks:
* the shop's pace on this deadline: the share of its orders due that day already shipped, against the share
  all shops have shipped for the same day (a shop far behind, beyond chance, is overloaded);
* the shop's history: how many of its earlier pre-sale orders shipped late (shrunk towards 10 % with few);
* the carrier: an exception on the order's outbound parcel.
An order is warned three days ahead when the combined risk reaches one half.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binom

WARN_DAYS_AHEAD = 3
WARN_AT = 0.5
PRIOR_LATE, PRIOR_WEIGHT = 0.10, 10.0
#: a shop behind the platform's pace with less than this chance of being so by luck
BEHIND_P = 0.05
MIN_WAVE = 3


@dataclass(frozen=True)
class Pace:
    orders: int  # the shop's pre-sale orders due the same day
    shipped: int
    platform_share: float  # the share all shops have shipped for that day


@dataclass(frozen=True)
class History:
    orders: int  # the shop's pre-sale orders whose date has passed
    late: int


@dataclass(frozen=True)
class Risk:
    probability: float
    reasons: tuple[str, ...]

    @property
    def warn(self) -> bool:
        return self.probability >= WARN_AT


def pace_risk(pace: Pace) -> tuple[float, str | None]:
    if pace.orders < MIN_WAVE or pace.platform_share <= 0:
        return 0.0, None
    share = pace.shipped / pace.orders
    chance = float(binom.cdf(pace.shipped, pace.orders, pace.platform_share))
    if share >= pace.platform_share / 2 or chance >= BEHIND_P:
        return 0.0, None
    return 0.8 * (1 - share / pace.platform_share), (
        f"店铺发货进度落后：同日到期订单已发{share:.0%}，全平台{pace.platform_share:.0%} / the shop has shipped "
        f"{share:.0%} of the orders due that day, all shops {pace.platform_share:.0%}")


def history_risk(history: History) -> tuple[float, str | None]:
    rate = (history.late + PRIOR_LATE * PRIOR_WEIGHT) / (history.orders + PRIOR_WEIGHT)
    if history.orders == 0:
        return rate, None
    return rate, (f"店铺历史预售延期率{rate:.0%}（{history.late}/{history.orders}）/ the shop shipped "
                  f"{history.late} of {history.orders} earlier pre-sale orders late")


def assess(pace: Pace, history: History, *, carrier_exception: bool) -> Risk:
    parts = [pace_risk(pace), history_risk(history)]
    if carrier_exception:
        parts.append((0.7, "承运商报告包裹异常 / the carrier reports an exception on the parcel"))
    on_time = 1.0
    for risk, _ in parts:
        on_time *= 1 - risk
    return Risk(round(1 - on_time, 4), tuple(reason for risk, reason in parts if reason and risk > 0))
