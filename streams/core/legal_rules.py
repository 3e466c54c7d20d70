"""The ``legal`` section of a legal-letter channel: how stages advance (see legal.py)."""

from __future__ import annotations

from dataclasses import dataclass

from streams.core.parsing import Reader, join


@dataclass(frozen=True, slots=True)
class LegalRules:
    """How legal letters advance: a stage moves on only once its letter was *delivered*."""

    delivery_days: int = 10  # no outcome this long after sending: treated as not delivered
    retry_days: int = 7  # a letter not delivered is sent again this many days later ...
    stage_attempts: int = 3  # ... up to this many times, then contact repair (a field visit)
    review: bool = True  # letters wait for a lawyer's review of the wording (review_required)
    referral_after_days: int = 14  # after the last stage was delivered, no payment or plan:
    referral_min_dpd: int = 91  # ... and at least this DPD: a litigation referral (M3+)


LEGAL_KEYS = {
    "delivery_days",
    "retry_days",
    "stage_attempts",
    "review",
    "referral_after_days",
    "referral_min_dpd",
}


def parse_legal(raw: object, path: str, r: Reader) -> LegalRules:
    body = r.mapping(raw, path, LEGAL_KEYS)
    d = LegalRules()

    def num(key: str, default: int, minimum: int = 1) -> int:
        return r.integer(body.get(key, default), join(path, key), minimum)

    return LegalRules(
        delivery_days=num("delivery_days", d.delivery_days),
        retry_days=num("retry_days", d.retry_days),
        stage_attempts=num("stage_attempts", d.stage_attempts),
        review=r.boolean(body.get("review", d.review), join(path, "review")),
        referral_after_days=num("referral_after_days", d.referral_after_days, 0),
        referral_min_dpd=num("referral_min_dpd", d.referral_min_dpd),
    )
