"""Weights, lookup tables and sentence templates used to render synthetic expert profiles."""

from __future__ import annotations

from datetime import date

from matcher.domain.records import CooperationMode
from pipelines.demo.topics import TOPICS

REFERENCE_DATE = date(2026, 11, 1)

# Profile languages and their target shares.
PROFILE_EN, PROFILE_ZH, PROFILE_HANT, PROFILE_BILINGUAL = "en", "zh", "zh-Hant", "bilingual"
PROFILE_SHARES: dict[str, float] = {
    PROFILE_EN: 0.4,
    PROFILE_ZH: 0.4,
    PROFILE_HANT: 0.1,
    PROFILE_BILINGUAL: 0.1,
}

# Country weights per profile language (overseas Chinese communities vs. local experts).
COUNTRY_WEIGHTS: dict[str, dict[str, int]] = {
    PROFILE_EN: {
        "US": 22,
        "GB": 9,
        "DE": 9,
        "FR": 4,
        "JP": 5,
        "KR": 3,
        "CA": 6,
        "AU": 5,
        "NL": 4,
        "CH": 4,
        "SE": 3,
        "IT": 3,
        "IL": 3,
        "DK": 2,
        "FI": 2,
        "AT": 2,
        "ES": 2,
        "IE": 2,
        "BE": 2,
        "SG": 4,
    },
    PROFILE_ZH: {
        "US": 25,
        "GB": 9,
        "DE": 9,
        "JP": 8,
        "CA": 7,
        "AU": 7,
        "SG": 6,
        "FR": 4,
        "NL": 3,
        "CH": 3,
        "SE": 3,
        "KR": 3,
        "RU": 2,
        "BE": 2,
        "IT": 2,
    },
    PROFILE_HANT: {"HK": 30, "TW": 30, "MO": 5, "US": 15, "CA": 8, "AU": 5, "SG": 4, "JP": 3},
    PROFILE_BILINGUAL: {
        "US": 20,
        "GB": 8,
        "DE": 6,
        "HK": 8,
        "SG": 8,
        "CA": 6,
        "AU": 6,
        "JP": 4,
        "CH": 3,
        "NL": 3,
    },
}
MODE_WEIGHTS: dict[CooperationMode, float] = {
    CooperationMode.FLEXIBLE: 3,
    CooperationMode.CONSULTING: 3,
    CooperationMode.PROJECT: 3,
    CooperationMode.PART_TIME: 2,
    CooperationMode.OFFSHORE: 2,
    CooperationMode.TECH_TRANSFER: 1.5,
    CooperationMode.FULL_TIME: 0.7,
}
MODE_EN = {
    CooperationMode.FULL_TIME: "full-time",
    CooperationMode.FLEXIBLE: "flexible",
    CooperationMode.PART_TIME: "part-time",
    CooperationMode.PROJECT: "project-based",
    CooperationMode.TECH_TRANSFER: "technology transfer",
    CooperationMode.CONSULTING: "consulting",
    CooperationMode.OFFSHORE: "remote (offshore)",
}
MODE_ZH = {
    CooperationMode.FULL_TIME: "全职",
    CooperationMode.FLEXIBLE: "柔性引进",
    CooperationMode.PART_TIME: "兼职",
    CooperationMode.PROJECT: "项目合作",
    CooperationMode.TECH_TRANSFER: "技术转让",
    CooperationMode.CONSULTING: "技术咨询",
    CooperationMode.OFFSHORE: "离岸远程",
}
CALLING_CODES = {
    "US": "+1",
    "CA": "+1",
    "GB": "+44",
    "DE": "+49",
    "FR": "+33",
    "JP": "+81",
    "KR": "+82",
    "AU": "+61",
    "SG": "+65",
    "HK": "+852",
    "TW": "+886",
    "MO": "+853",
    "CH": "+41",
    "NL": "+31",
    "SE": "+46",
}

INTRO_ZH = (
    "{name}现任{aff}{title}，从事{label}研究与开发{years}年。",
    "{name}，{aff}{title}，在{label}领域工作{years}余年。",
    "{aff}{title}{name}，长期致力于{label}方向的研究。",
)
INTRO_EN = (
    "{name} is {title} at {aff} with {years} years of work in {label}.",
    "{name}, {title} at {aff}, has worked on {label} for over {years} years.",
    "{title} {name} ({aff}) has a long record in {label}.",
)
KEYWORDS_ZH = ("主要研究方向包括{k}。", "研究兴趣涵盖{k}等。", "擅长{k}等关键技术。")
KEYWORDS_EN = ("Research interests include {k}.", "Core expertise: {k}.", "Main topics: {k}.")
SECONDARY_ZH = ("此外，在{label}方面亦有研究，涉及{k}。", "近年拓展至{label}领域，关注{k}。")
SECONDARY_EN = (
    "Also active in {label}, including {k}.",
    "Recently extended this work to {label}, notably {k}.",
)
CLOSING_ZH = ("愿以{mode}方式与国内企业开展合作。", "曾多次回国开展学术交流，可提供{mode}。", "")
CLOSING_EN = (
    "Open to {mode} cooperation with Chinese enterprises.",
    "Interested in {mode} collaboration in China.",
    "",
)
PUBLICATION_TITLES = (
    "Advances in {a}: a review",
    "{A} for {b}",
    "Toward scalable {a} with {b}",
    "On the {a} of {b}",
    "{A} and {b}: challenges and opportunities",
)

# Topic ids outside each industry: the pool for cross-industry secondary topics.
OTHER_INDUSTRY_TOPICS: dict[str, tuple[str, ...]] = {
    code: tuple(t.id for t in TOPICS if t.industry != code)
    for code in dict.fromkeys(t.industry for t in TOPICS)
}
