"""Synthetic expert profiles: pick a person, then render them as en / zh / zh-Hant / bilingual records."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from matcher.domain.records import CooperationMode, Expert, Organization
from pipelines.demo.names import (
    ACADEMIC_TITLES,
    AFFILIATIONS_BY_COUNTRY,
    CHINESE_ORIGIN_FIRST_NAMES,
    COMPANY_INDUSTRIES,
    GIVEN_NAMES,
    INDUSTRY_TITLES,
    LOCAL_LANGUAGES,
    LOCAL_NAMES,
    SURNAMES,
    Affiliation,
)
from pipelines.demo.phrases import (
    CALLING_CODES,
    CLOSING_EN,
    CLOSING_ZH,
    COUNTRY_WEIGHTS,
    INTRO_EN,
    INTRO_ZH,
    KEYWORDS_EN,
    KEYWORDS_ZH,
    MODE_EN,
    MODE_WEIGHTS,
    MODE_ZH,
    OTHER_INDUSTRY_TOPICS,
    PROFILE_BILINGUAL,
    PROFILE_EN,
    PROFILE_HANT,
    PROFILE_SHARES,
    PROFILE_ZH,
    PUBLICATION_TITLES,
    REFERENCE_DATE,
    SECONDARY_EN,
    SECONDARY_ZH,
)
from pipelines.demo.sampling import (
    ascii_slug,
    between,
    orcid_with_checksum,
    pick,
    pick_weighted,
    subset,
    to_traditional_cached,
    weighted_table,
)
from pipelines.demo.topics import INDUSTRIES_BY_CODE, TOPICS_BY_ID, Topic

_INDUSTRY_CODES = tuple(INDUSTRIES_BY_CODE)

__all__ = [
    "PROFILE_BILINGUAL",
    "PROFILE_EN",
    "PROFILE_HANT",
    "PROFILE_SHARES",
    "PROFILE_ZH",
    "REFERENCE_DATE",
    "ExpertFactory",
    "Person",
    "as_english_duplicate",
    "draw_profiles",
]

_KEEP_SURNAMES = frozenset({"余", "范"})
# Employers per (country, industry): universities take any topic, companies only their industries.
_EMPLOYERS: dict[tuple[str, str], tuple[Affiliation, ...]] = {
    (country, industry): tuple(
        a for a in affiliations if a.academic or industry in COMPANY_INDUSTRIES.get(a.domain, frozenset())
    )
    for country, affiliations in AFFILIATIONS_BY_COUNTRY.items()
    for industry in _INDUSTRY_CODES
}
_COUNTRY_TABLES = {profile: weighted_table(weights) for profile, weights in COUNTRY_WEIGHTS.items()}
_MODE_TABLE = weighted_table(MODE_WEIGHTS)


@dataclass(frozen=True)
class Person:
    """Identity choices shared by every rendering of one expert (so duplicates stay consistent)."""

    surname: tuple[str, str]
    given: tuple[str, str]
    english_first: str | None  # e.g. "Michael" for "Michael Chen"
    local_name: str | None  # e.g. "Anna Müller" for a non-Chinese expert
    country: str
    affiliation: Affiliation
    title: tuple[str, str]
    years: int
    primary: Topic
    secondary: Topic | None
    modes: tuple[CooperationMode, ...]
    organizations: tuple[str, ...]

    @property
    def name_zh(self) -> str:
        return self.surname[0] + self.given[0]

    @property
    def name_pinyin(self) -> str:
        return f"{self.given[1]} {self.surname[1]}"


class ExpertFactory:
    """Draws people and renders them as `Expert` records, using one seeded `random.Random`."""

    def __init__(self, rng: random.Random, organizations: list[Organization], validate: bool = True) -> None:
        self.rng = rng
        self.validate = validate
        self._orgs_by_country: dict[str, list[str]] = {}
        for org in organizations:
            self._orgs_by_country.setdefault(org.country, []).append(org.id)
        self._global_orgs = [org.id for org in organizations if org.country == "US"]

    def draw_person(self, profile: str, primary: Topic) -> Person:
        """Pick name, country, affiliation, topics and preferences for a new person."""
        rng = self.rng
        country = pick_weighted(rng, _COUNTRY_TABLES[profile])
        employers = _EMPLOYERS[(country, primary.industry)]
        affiliation = pick(rng, employers)
        titles = ACADEMIC_TITLES if affiliation.academic else INDUSTRY_TITLES
        local_name = None
        if profile == PROFILE_EN and country in LOCAL_NAMES and rng.random() < 0.45:
            firsts, lasts = LOCAL_NAMES[country]
            local_name = f"{pick(rng, firsts)} {pick(rng, lasts)}"
        english_first = pick(rng, CHINESE_ORIGIN_FIRST_NAMES) if rng.random() < 0.5 else None
        secondary = None
        if rng.random() < 0.4:
            pool = (
                primary.related
                if primary.related and rng.random() < 0.5
                else OTHER_INDUSTRY_TOPICS[primary.industry]
            )
            secondary = TOPICS_BY_ID[pick(rng, pool)]
        modes: list[CooperationMode] = []
        for _ in range(pick(rng, (1, 2, 2, 3))):
            mode = pick_weighted(rng, _MODE_TABLE)
            if mode not in modes:
                modes.append(mode)
        local_orgs = self._orgs_by_country.get(country) or self._global_orgs
        org_ids = [pick(rng, local_orgs)]
        if rng.random() < 0.35:
            extra = pick(rng, self._global_orgs + local_orgs)
            if extra not in org_ids:
                org_ids.append(extra)
        title = pick(rng, titles)
        # Early-career titles get short careers so bios stay plausible.
        years = between(rng, 3, 9) if title[0] in ("博士后研究员", "助理教授") else between(rng, 8, 32)
        return Person(
            pick(rng, SURNAMES),
            pick(rng, GIVEN_NAMES),
            english_first,
            local_name,
            country,
            affiliation,
            title,
            years,
            primary,
            secondary,
            tuple(modes),
            tuple(org_ids),
        )

    def english_name(self, person: Person) -> str:
        """The name an English-only profile shows: local name, "Michael Chen" or pinyin."""
        if person.local_name:
            return person.local_name
        if person.english_first:
            return f"{person.english_first} {person.surname[1]}"
        return person.name_pinyin

    def render(
        self,
        expert_id: str,
        person: Person,
        profile: str,
        *,
        english_display: str | None = None,
        active: bool | None = None,
    ) -> Expert:
        """Render ``person`` as an `Expert` in the given profile language.

        Args:
            expert_id: Record id.
            person: Identity from `draw_person`.
            profile: One of the ``PROFILE_*`` constants.
            english_display: Overrides the English name (e.g. "Zhang Wei" for a duplicate entry).
            active: Forces the active flag; random (95% active) when None.
        """
        rng = self.rng
        primary, secondary = person.primary, person.secondary
        aff, title = person.affiliation, person.title
        en_name = english_display or self.english_name(person)
        script: Callable[[str], str] = str
        zh_name = person.name_zh
        if profile == PROFILE_HANT:
            script = functools.partial(to_traditional_cached, country=person.country)
            # OpenCC maps the surnames 余/范 to 餘/範, which is wrong for family names.
            surname = person.surname[0]
            zh_name = (surname if surname in _KEEP_SURNAMES else script(surname)) + script(person.given[0])
        zh_bio = self._bio_zh(person, zh_name, script) if profile != PROFILE_EN else ""
        en_bio = self._bio_en(person, en_name) if profile in (PROFILE_EN, PROFILE_BILINGUAL) else ""
        kw_count = min(between(rng, 3, 6), len(primary.keywords))
        pairs = subset(rng, primary.keywords, kw_count)
        if secondary is not None:
            pairs += subset(rng, secondary.keywords, 2)
        zh_kw, en_kw = [zh for zh, _ in pairs], [en for _, en in pairs]
        fields_zh = [primary.label_zh] + ([secondary.label_zh] if secondary else [])
        fields_en = [primary.label_en] + ([secondary.label_en] if secondary else [])
        languages = ["en"] if person.local_name else ["zh", "en"]
        if profile == PROFILE_EN and not person.local_name:
            languages = ["en", "zh"]
        local_language = LOCAL_LANGUAGES.get(person.country)
        if local_language and rng.random() < 0.6:
            languages.append(local_language)
        if profile == PROFILE_EN:
            name, shown_name_en, bio, keywords, fields = en_name, None, en_bio, en_kw, fields_en
            affiliation, city, title_text = aff.name_en, aff.city_en, title[1]
        elif profile == PROFILE_BILINGUAL:
            name, shown_name_en, bio = zh_name, person.name_pinyin, f"{zh_bio} {en_bio}"
            keywords, fields = zh_kw + en_kw, fields_zh + fields_en
            affiliation, city, title_text = f"{aff.name_zh} {aff.name_en}", aff.city_zh, title[0]
        else:
            name, bio, keywords, fields = zh_name, zh_bio, zh_kw, fields_zh
            affiliation, city, title_text = aff.name_zh, aff.city_zh, title[0]
            shown_name_en = person.name_pinyin if rng.random() < 0.5 else None
            if profile == PROFILE_HANT:
                affiliation, city, title_text = (script(text) for text in (affiliation, city, title_text))
                keywords = [script(k) for k in keywords]
                fields = [script(f) for f in fields]
        academic = aff.academic
        user = (
            ascii_slug(person.local_name.replace(" ", "."))
            if person.local_name
            else (f"{ascii_slug(person.given[1])}.{ascii_slug(person.surname[1])}")
        )
        email = f"{user}@{aff.domain}.example.{'edu' if academic else 'com'}" if rng.random() < 0.6 else None
        phone = None
        if rng.random() < 0.25 and person.country in CALLING_CODES:
            phone = f"{CALLING_CODES[person.country]} {between(rng, 200, 989)} {between(rng, 1000, 9999):04d}"
        orcid = orcid_with_checksum(rng) if academic and rng.random() < 0.5 else None
        publications = []
        if academic and rng.random() < 0.4:
            for _ in range(between(rng, 1, 3)):
                a, b = subset(rng, primary.keywords_en, 2)
                publications.append(pick(rng, PUBLICATION_TITLES).format(a=a, A=a[:1].upper() + a[1:], b=b))
        industries = [primary.industry]
        if secondary is not None and secondary.industry != primary.industry:
            industries.append(secondary.industry)
        stale_days = int(rng.random() ** 1.6 * 4 * 365)
        # Benchmarks build 100k+ records: skip re-validating values this code constructs correctly.
        make = Expert if self.validate else Expert.model_construct
        return make(
            id=expert_id,
            name=name,
            name_en=shown_name_en,
            email=email,
            phone=phone,
            orcid=orcid,
            country=person.country,
            city=city,
            affiliation=affiliation,
            title=title_text,
            organizations=list(person.organizations),
            industries=industries,
            fields=fields,
            keywords=keywords,
            bio=bio,
            publications=publications,
            languages=languages,
            cooperation_modes=list(person.modes),
            active=(rng.random() >= 0.05) if active is None else active,
            updated_at=REFERENCE_DATE - timedelta(days=stale_days),
        )

    def _bio_zh(self, person: Person, name: str, script: Callable[[str], str]) -> str:
        """Chinese bio; ``script`` maps each short piece to the output script (identity or cached s2t)."""
        rng = self.rng
        topic = person.primary
        intro = script(pick(rng, INTRO_ZH))
        parts = [
            intro.format(
                name=name,
                aff=script(person.affiliation.name_zh),
                title=script(person.title[0]),
                label=script(topic.label_zh),
                years=person.years,
            )
        ]
        parts += [script(s) for s in subset(rng, topic.bio_zh, between(rng, 1, len(topic.bio_zh)))]
        if rng.random() < 0.6:
            keywords = "、".join(script(k) for k in subset(rng, topic.keywords_zh, 3))
            parts.append(script(pick(rng, KEYWORDS_ZH)).format(k=keywords))
        if person.secondary is not None:
            parts.append(
                script(pick(rng, SECONDARY_ZH)).format(
                    label=script(person.secondary.label_zh),
                    k=script(pick(rng, person.secondary.keywords_zh)),
                )
            )
        parts.append(script(pick(rng, CLOSING_ZH)).format(mode=script(MODE_ZH[person.modes[0]])))
        return "".join(parts)

    def _bio_en(self, person: Person, name: str) -> str:
        rng = self.rng
        topic = person.primary
        title = person.title[1]
        parts = [
            pick(rng, INTRO_EN).format(
                name=name,
                aff=person.affiliation.name_en,
                title=title,
                label=topic.label_en[:1].lower() + topic.label_en[1:],
                years=person.years,
            )
        ]
        parts += subset(rng, topic.bio_en, between(rng, 1, len(topic.bio_en)))
        if rng.random() < 0.6:
            parts.append(pick(rng, KEYWORDS_EN).format(k=", ".join(subset(rng, topic.keywords_en, 3))))
        if person.secondary is not None:
            label = person.secondary.label_en
            parts.append(
                pick(rng, SECONDARY_EN).format(
                    label=label[:1].lower() + label[1:], k=pick(rng, person.secondary.keywords_en)
                )
            )
        parts.append(pick(rng, CLOSING_EN).format(mode=MODE_EN[person.modes[0]]))
        return " ".join(part for part in parts if part)


def draw_profiles(rng: random.Random, count: int) -> list[str]:
    """``count`` profile languages in the target shares, shuffled."""
    profiles: list[str] = []
    for profile, share in PROFILE_SHARES.items():
        profiles += [profile] * round(count * share)
    profiles = (profiles + [PROFILE_EN, PROFILE_ZH] * count)[:count]
    rng.shuffle(profiles)
    return profiles


def as_english_duplicate(person: Person) -> Person:
    """The same person as they would appear in an English-only source ("Zhang Wei", no local alias)."""
    return replace(person, english_first=None, local_name=None)
